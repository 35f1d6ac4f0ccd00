import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../core/db/testing.js';
import { silentLogger } from '../../core/log.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import { ensureLocalTls } from '../../platform/tls/index.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import type { AppServer } from '../app-server.js';
import { webhookSecret } from '../outbound/webhook.js';
import { Mailer } from '../outbound/mail.js';
import { AlertDigest } from './digest.js';
import { AlertOutbound } from './outbound.js';

const PT = 'pt-ob';
const TEXT = 'NEWS2 9: respiratory rate 29/min';

interface Hook {
  headers: IncomingHttpHeaders;
  body: string;
  valid: boolean;
}

/** A receiving system: checks each signature as Standard Webhooks says; answers `status()`. */
async function receiver(secretFile: string, status: () => number) {
  const got: Hook[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const mac = createHmac('sha256', webhookSecret(secretFile))
        .update(
          `${String(req.headers['webhook-id'])}.${String(req.headers['webhook-timestamp'])}.${body}`,
        )
        .digest();
      const given = Buffer.from(String(req.headers['webhook-signature']).slice(3), 'base64');
      got.push({
        headers: req.headers,
        body,
        valid: given.length === mac.length && timingSafeEqual(given, mac),
      });
      res.statusCode = status();
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { got, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks` };
}

const until = async (cond: () => boolean | Promise<boolean>, what: string) => {
  for (let i = 0; i < 200; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
};

describe.each(databaseTargets())('alerts by e-mail and signed webhook ($name)', (target) => {
  const dir = mkdtempSync(join(tmpdir(), 'tutela-alert-out-'));
  const secretFile = join(dir, 'ward-system.secret');
  let platform: TestPlatform;
  let app: AppServer;
  let smtp: SMTPServer;
  const mails: Array<{ to: string[]; data: string }> = [];
  let hooks: Awaited<ReturnType<typeof receiver>>;
  let hookStatus = 204;
  const token: Record<string, string> = {};
  let caFile: string;

  beforeAll(async () => {
    const tls = await ensureLocalTls(join(dir, 'tls'));
    caFile = tls.caFile;
    smtp = new SMTPServer({
      logger: false,
      key: tls.key,
      cert: tls.cert,
      authOptional: true,
      onData(stream, session, done) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
        stream.on('end', () => {
          mails.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          done();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    hooks = await receiver(secretFile, () => hookStatus);
    platform = await startTestPlatform(target, {
      app: { enabled: true },
      outbound: {
        smtp: {
          host: 'localhost',
          port: (smtp.server.address() as AddressInfo).port,
          caFile: tls.caFile,
          from: 'Tutela <alerts@tutela.test>',
        },
        webhooks: [{ name: 'ward-system', url: hooks.url, secretFile, minCriticality: 'medium' }],
        // The digest is run by the test itself, with its own clock.
        digestHourUtc: null,
      },
    });
    app = platform.appServer!;
    for (const [id, role] of [
      ['doc', 'doctor'],
      ['resp', 'responder'],
      ['nur', 'nurse'],
      ['fam', 'family'],
    ] as const)
      token[id] = await app.directory.addUser(`${id}-ob`, role);
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw-ob', publicKey: (await generateKeyPair()).pair.publicRaw },
      team: ['doc-ob', 'resp-ob', 'nur-ob', 'fam-ob'],
    });
    // The responder and the nurse give an address; the doctor does not.
    for (const [who, email] of [
      ['resp', 'responder@ward.test'],
      ['nur', 'nurse@ward.test'],
      ['fam', 'family@home.test'],
    ] as const)
      await fetch(`${platform.url}/app/me/contact`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token[who]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ email }),
      });
  });

  afterAll(async () => {
    await platform?.destroy();
    hooks?.server.close();
    await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const deliveries = async (id: string) => {
    const res = await fetch(`${platform.url}/app/alerts/${id}`, {
      headers: { authorization: `Bearer ${token.doc}` },
    });
    return ((await res.json()) as { deliveries: Array<Record<string, unknown>> }).deliveries;
  };

  it('mails the people a high alert reaches who gave an address, tells the ward system, and shows both', async () => {
    await app.alerts.engine.observe(PT, [{ rule: 'news2', cl: 'high', text: TEXT }], ['news2']);
    const alert = await app.database.db
      .selectFrom('alerts')
      .select('id')
      .where('pt', '=', PT)
      .executeTakeFirstOrThrow();
    await until(
      () => mails.length === 1 && hooks.got.length >= 2,
      'the e-mail and two webhook events',
    );

    // Step 0 of high is the responder and the doctor: only the responder gave an address.
    expect(mails[0]!.to).toEqual(['responder@ward.test']);
    expect(mails[0]!.data).toContain(`Subject: Tutela: HIGH criticality alert for ${PT}`);
    expect(mails[0]!.data).toContain(`${platform.url}/web/alerts`);
    // Signed, and saying which alert, at which criticality: no finding, no value.
    expect(hooks.got.every((h) => h.valid)).toBe(true);
    const types = hooks.got.map((h) => (JSON.parse(h.body) as { type: string }).type);
    expect(types).toEqual(['alert.raised', 'alert.routed']);
    expect(JSON.parse(hooks.got[0]!.body)).toMatchObject({
      data: { alert: { id: alert.id, pt: PT, cl: 'high', state: 'raised' } },
    });
    for (const out of [...mails.map((m) => m.data), ...hooks.got.map((h) => h.body)]) {
      expect(out).not.toContain('respiratory');
      expect(out).not.toContain('NEWS2 9');
    }
    // The care team sees each channel's status.
    await until(
      async () =>
        (await deliveries(alert.id)).filter(
          (d) => d.channel !== 'in-app' && d.status === 'delivered',
        ).length === 2,
      'both outbound deliveries marked delivered',
    );
    const rows = await deliveries(alert.id);
    expect(rows.map((d) => `${String(d.channel)} ${String(d.recipient)}`).sort()).toEqual([
      'email resp-ob',
      'in-app doc-ob',
      'in-app resp-ob',
      'webhook webhook:ward-system',
    ]);

    // Escalated: the nurse joins (step 1), and is mailed; the responder is not mailed twice.
    await app.alerts.engine.escalate(alert.id, 'doc-ob');
    await until(() => mails.length === 2, 'the escalation e-mail');
    expect(mails[1]!.to).toEqual(['nurse@ward.test']);
    expect(mails[1]!.data).toContain('(escalated to you)');
  });

  it('keeps a failed webhook with its reason and sends it again once the wait is over', async () => {
    hookStatus = 503;
    let clock = Date.now();
    const outbound = new AlertOutbound({
      db: app.database.db,
      log: silentLogger,
      webhooks: [
        {
          name: 'ward-system',
          url: hooks.url,
          secretFile,
          secret: webhookSecret(secretFile),
          minCriticality: 'medium',
        },
      ],
      email: async () => undefined,
      platformUrl: () => platform.url,
      now: () => clock,
    });
    const alert = (await app.alerts.reader.get(
      (
        await app.database.db
          .selectFrom('alerts')
          .select('id')
          .where('pt', '=', PT)
          .executeTakeFirstOrThrow()
      ).id,
    ))!;
    const [event] = await app.alerts.reader.eventsAfter([PT], 0, 1);
    const before = hooks.got.length;
    outbound.publish(event!, alert);
    await outbound.idle();
    expect(hooks.got.length).toBe(before + 1);
    const row = async () =>
      app.database.db
        .selectFrom('alert_deliveries')
        .selectAll()
        .where('alert_id', '=', alert.id)
        .where('channel', '=', 'webhook')
        .executeTakeFirstOrThrow();
    expect(await row()).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'ward-system answered HTTP 503',
    });

    // Too early: nothing is sent. After the first wait (30 s), it goes again.
    hookStatus = 204;
    await outbound.sweep();
    expect(hooks.got.length).toBe(before + 1);
    clock += 31_000;
    await outbound.sweep();
    expect(hooks.got.length).toBe(before + 2);
    expect(await row()).toMatchObject({ status: 'delivered', attempts: 2, last_error: null });
    // The same event id both times: the receiver can drop a duplicate.
    expect(hooks.got[before]!.headers['webhook-id']).toBe(
      hooks.got[before + 1]!.headers['webhook-id'],
    );
  });

  it('sends the family one daily digest: how many alerts, who was alerted, nothing clinical', async () => {
    const mailer = new Mailer({
      host: 'localhost',
      port: (smtp.server.address() as AddressInfo).port,
      secure: false,
      requireTls: true,
      caFile,
      from: 'alerts@tutela.test',
    });
    const evening = new Date();
    evening.setUTCHours(19, 0, 0, 0);
    const clock = Math.max(Date.now(), evening.getTime());
    const digest = new AlertDigest({
      db: app.database.db,
      log: silentLogger,
      mailer,
      participants: (pt) => app.episodes.participants(pt),
      email: (user) => app.contacts.email(user),
      platformUrl: () => platform.url,
      hourUtc: 18,
      roles: ['family'],
      now: () => clock,
    });
    try {
      const before = mails.length;
      expect(await digest.run()).toBe(1);
      const mail = mails[before]!;
      expect(mail.to).toEqual(['family@home.test']);
      expect(mail.data).toContain('Subject: Tutela: daily summary of alerts');
      expect(mail.data).toMatch(
        new RegExp(`- ${PT}: 1 alert \\(1 high\\); alerted: [a-z, ]*doctor`),
      );
      expect(mail.data).not.toContain('respiratory');
      expect(mail.data).not.toContain('news2');
      // Once a day.
      expect(await digest.run()).toBe(0);
      expect(mails.length).toBe(before + 1);
    } finally {
      mailer.close();
    }
  });
});
