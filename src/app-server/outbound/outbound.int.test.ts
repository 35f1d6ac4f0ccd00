import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLocalTls, type LocalTls } from '../../platform/tls/index.js';
import { Mailer } from './mail.js';
import { postWebhook, webhookSecret, WebhookError } from './webhook.js';

const dir = mkdtempSync(join(tmpdir(), 'tutela-outbound-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Received {
  from: string;
  to: string[];
  data: string;
  secure: boolean;
  user: string | undefined;
}

/** A real SMTP server on a free port, keeping what it was given. */
async function smtp(opts: Partial<SMTPServerOptions>) {
  const received: Received[] = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: false,
    onAuth(auth, _session, done) {
      if (auth.username === 'tutela' && auth.password === 'mail-secret-1')
        return done(null, { user: auth.username });
      return done(new Error('bad credentials'));
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          user: session.user as string | undefined,
        });
        done();
      });
    },
    ...opts,
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { server, port, received };
}

describe('e-mail through a real SMTP server', () => {
  let tls: LocalTls;
  const passwordFile = join(dir, 'smtp-password');
  beforeAll(async () => {
    tls = await ensureLocalTls(join(dir, 'tls'));
    writeFileSync(passwordFile, 'mail-secret-1\n', { mode: 0o600 });
  });

  it('upgrades with STARTTLS, signs in, and hands the message over', async () => {
    const s = await smtp({ key: tls.key, cert: tls.cert });
    const mailer = new Mailer({
      host: 'localhost',
      port: s.port,
      secure: false,
      requireTls: true,
      user: 'tutela',
      passwordFile,
      caFile: tls.caFile,
      from: 'Tutela <alerts@tutela.test>',
    });
    try {
      const sent = await mailer.send({
        to: 'nurse@ward.test',
        subject: 'Tutela: an alert for pt-0002',
        text: 'Open Tutela to see it.',
      });
      expect(sent.response).toMatch(/^250/);
      expect(s.received).toHaveLength(1);
      const got = s.received[0]!;
      expect(got).toMatchObject({
        from: 'alerts@tutela.test',
        to: ['nurse@ward.test'],
        secure: true,
        user: 'tutela',
      });
      expect(got.data).toContain('Subject: Tutela: an alert for pt-0002');
      expect(got.data).toContain('Open Tutela to see it.');
    } finally {
      mailer.close();
      await new Promise<void>((r) => s.server.close(() => r()));
    }
  });

  it('sends nothing to a server that offers no STARTTLS, or with a wrong password', async () => {
    const plain = await smtp({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
    const mailer = new Mailer({
      host: 'localhost',
      port: plain.port,
      secure: false,
      requireTls: true,
      user: 'tutela',
      passwordFile,
      from: 'alerts@tutela.test',
    });
    await expect(mailer.send({ to: 'a@b.test', subject: 's', text: 't' })).rejects.toThrow(
      /STARTTLS/i,
    );
    mailer.close();
    await new Promise<void>((r) => plain.server.close(() => r()));

    const s = await smtp({ key: tls.key, cert: tls.cert });
    writeFileSync(join(dir, 'wrong'), 'not-it\n', { mode: 0o600 });
    const wrong = new Mailer({
      host: 'localhost',
      port: s.port,
      secure: false,
      requireTls: true,
      user: 'tutela',
      passwordFile: join(dir, 'wrong'),
      caFile: tls.caFile,
      from: 'alerts@tutela.test',
    });
    await expect(wrong.send({ to: 'a@b.test', subject: 's', text: 't' })).rejects.toThrow(
      /auth|credentials|535/i,
    );
    wrong.close();
    expect([...plain.received, ...s.received]).toEqual([]);
    await new Promise<void>((r) => s.server.close(() => r()));
  });
});

describe('signed webhooks (Standard Webhooks v1)', () => {
  const secretFile = join(dir, 'webhooks', 'pager.secret');

  /** A receiver that checks the signature as the specification tells receivers to. */
  async function receiver(status: () => number) {
    const got: Array<{ headers: IncomingMessage['headers']; body: string; valid: boolean }> = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const secret = webhookSecret(secretFile);
        const id = String(req.headers['webhook-id']);
        const ts = String(req.headers['webhook-timestamp']);
        const expected = createHmac('sha256', secret).update(`${id}.${ts}.${body}`).digest();
        const given = Buffer.from(
          String(req.headers['webhook-signature']).replace(/^v1,/, ''),
          'base64',
        );
        const valid = given.length === expected.length && timingSafeEqual(given, expected);
        got.push({ headers: req.headers, body, valid });
        res.statusCode = status();
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    return { server, url, got };
  }

  it('signs each event with the endpoint secret, made once and kept 0600', async () => {
    const secret = webhookSecret(secretFile);
    expect(statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(secretFile, 'utf8')).toMatch(/^whsec_[A-Za-z0-9+/=]{32}\n$/);
    expect(webhookSecret(secretFile).equals(secret)).toBe(true);

    const r = await receiver(() => 204);
    try {
      const status = await postWebhook({ name: 'pager', url: r.url, secretFile }, secret, {
        id: 'evt-1',
        type: 'alert.raised',
        data: { alert: 'al-1', pt: 'pt-0002', cl: 'high' },
      });
      expect(status).toBe(204);
      expect(r.got).toHaveLength(1);
      expect(r.got[0]!.valid).toBe(true);
      expect(r.got[0]!.headers['webhook-id']).toBe('evt-1');
      expect(JSON.parse(r.got[0]!.body)).toMatchObject({
        type: 'alert.raised',
        data: { alert: 'al-1', cl: 'high' },
      });
      // Signed with another secret: the receiver's check fails.
      await postWebhook({ name: 'pager', url: r.url, secretFile }, Buffer.alloc(24, 7), {
        id: 'evt-2',
        type: 'alert.raised',
        data: {},
      });
      expect(r.got[1]!.valid).toBe(false);
    } finally {
      r.server.close();
    }
  });

  it('says whether a failure is worth a retry', async () => {
    const secret = webhookSecret(secretFile);
    let answer = 503;
    const r = await receiver(() => answer);
    const send = () =>
      postWebhook({ name: 'pager', url: r.url, secretFile }, secret, {
        id: 'evt-3',
        type: 'alert.raised',
        data: {},
      });
    try {
      await expect(send()).rejects.toMatchObject({ retry: true, message: /HTTP 503/ });
      answer = 400;
      await expect(send()).rejects.toMatchObject({ retry: false, message: /HTTP 400/ });
    } finally {
      r.server.close();
    }
    await expect(send()).rejects.toBeInstanceOf(WebhookError);
    await expect(send()).rejects.toMatchObject({ retry: true, message: /could not be reached/ });
  });
});
