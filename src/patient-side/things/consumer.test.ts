import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThingConsumer } from './consumer.js';

/**
 * The consumer against a hand-written Thing: arbitrary paths, methods and
 * header names, so nothing works unless it really follows the TD.
 */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const TOKEN = 'tok-0123456789abcdefghijklmnop';

describe('ThingConsumer', () => {
  let server: Server;
  let origin: string;
  let handler: Handler = (_req, res) => res.end();
  const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] =
    [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        handler(req, res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const consumer = () => new ThingConsumer({ token: TOKEN, allowInsecureHttp: true });
  const td = (over: Record<string, unknown> = {}) => ({
    '@context': ['https://www.w3.org/2022/wot/td/v1.1', { saref: 'https://saref.etsi.org/core/' }],
    id: 'urn:test:lamp',
    title: 'Lamp',
    base: `${origin}/deep/lamp/`,
    securityDefinitions: { key: { scheme: 'bearer', in: 'header', name: 'X-Lamp-Key' } },
    security: 'key',
    properties: {
      level: {
        type: 'integer',
        forms: [
          { href: 'lvl?x=1', 'htv:methodName': 'POST', op: 'readproperty' },
          { href: '/elsewhere/lvl', op: ['writeproperty'] },
          { href: 'lvl/sse', subprotocol: 'sse', op: ['observeproperty'] },
        ],
      },
    },
    actions: { toggle: { forms: [{ href: 'do/toggle' }] } },
    ...over,
  });
  const json =
    (value: unknown, status = 200): Handler =>
    (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };

  it('follows the forms: hrefs against base, the form method, the scheme’s header name', async () => {
    const c = consumer();
    try {
      const lamp = await c.consume(td());
      handler = json(7);
      expect(await lamp.readProperty('level')).toBe(7);
      expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/deep/lamp/lvl?x=1' });
      expect(seen.at(-1)!.headers['x-lamp-key']).toBe(`Bearer ${TOKEN}`);
      expect(seen.at(-1)!.headers.authorization).toBeUndefined();
      handler = (_req, res) => res.writeHead(204).end();
      await lamp.writeProperty('level', 3);
      expect(seen.at(-1)).toMatchObject({ method: 'PUT', url: '/elsewhere/lvl', body: '3' });
      handler = json({ on: true });
      expect(await lamp.invokeAction('toggle')).toEqual({ on: true });
      expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/deep/lamp/do/toggle', body: '' });
    } finally {
      await c.close();
    }
  });

  it('fetches a TD by URL, resolving relative hrefs against it when there is no base', async () => {
    const c = consumer();
    try {
      handler = json(td({ base: undefined }));
      const lamp = await c.consume(`${origin}/td/lamp`);
      expect(seen.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
      handler = json(1);
      await lamp.readProperty('level');
      expect(seen.at(-1)!.url).toBe('/lvl?x=1');
    } finally {
      await c.close();
    }
  });

  it('refuses TDs it cannot trust or use, before sending anything', async () => {
    const c = consumer();
    const refuse = async (t: Record<string, unknown>, code: string, message?: RegExp) => {
      const err = await c.consume(t).catch((e: unknown) => e);
      expect(err).toMatchObject({ code });
      if (message) expect((err as Error).message).toMatch(message);
    };
    try {
      const before = seen.length;
      await refuse(td({ title: undefined }), 'td_invalid', /\/title/);
      await refuse(td({ '@context': 'https://example.org/ctx' }), 'td_invalid', /@context/);
      await refuse(
        td({ security: 'missing' }),
        'td_invalid',
        /"missing" is not in securityDefinitions/,
      );
      await refuse(td({ base: undefined }), 'td_invalid', /absolute base/);
      await refuse(
        td({ actions: { steal: { forms: [{ href: 'https://evil.example/collect' }] } } }),
        'td_untrusted_form',
        /points to https:\/\/evil\.example/,
      );
      expect(seen.length).toBe(before);

      const nosec = await c.consume(td({ securityDefinitions: { key: { scheme: 'nosec' } } }));
      await expect(nosec.readProperty('level')).rejects.toMatchObject({
        code: 'td_unsupported_security',
      });
      const basic = await c.consume(td({ securityDefinitions: { key: { scheme: 'basic' } } }));
      await expect(basic.invokeAction('toggle')).rejects.toThrow(/scheme basic is not supported/);
      const query = await c.consume(
        td({ securityDefinitions: { key: { scheme: 'bearer', in: 'query' } } }),
      );
      await expect(query.invokeAction('toggle')).rejects.toThrow(/bearer in query/);
      expect(seen.length).toBe(before);
      await expect(new ThingConsumer({ token: TOKEN }).consume(td())).rejects.toMatchObject({
        code: 'insecure_transport',
      });
    } finally {
      await c.close();
    }
  });

  it('reports error answers and non-JSON answers clearly', async () => {
    const c = consumer();
    try {
      const lamp = await c.consume(td());
      handler = json({ error: 'busy', message: 'the lamp is warming up' }, 503);
      await expect(lamp.readProperty('level')).rejects.toMatchObject({
        code: 'thing_request_failed',
        httpStatus: 503,
        remoteCode: 'busy',
        message: 'readproperty level of urn:test:lamp: HTTP 503: the lamp is warming up',
      });
      handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p>hi</p>');
      await expect(lamp.readProperty('level')).rejects.toMatchObject({
        code: 'thing_bad_response',
      });
    } finally {
      await c.close();
    }
  });

  it('parses SSE however it is chunked, and reports broken streams', async () => {
    const c = consumer();
    const stream =
      (chunks: string[]): Handler =>
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const chunk of chunks) res.write(chunk);
        res.end();
      };
    try {
      const lamp = await c.consume(td());
      handler = stream([
        ': hello\n\nevent: level\ndata: {"v"',
        ':1}\r\n\r\nid: 2\nda',
        'ta: 2\n\n',
        'retry: x\n\n',
      ]);
      const values: unknown[] = [];
      for await (const v of await lamp.observeProperty('level')) values.push(v);
      expect(values).toEqual([{ v: 1 }, 2]);
      expect(seen.at(-1)!.headers.accept).toBe('text/event-stream');

      handler = stream(['data: 1\n\n', 'event: error\ndata: {"message":"sensor fault"}\n\n']);
      const failing = await lamp.observeProperty('level');
      const got: unknown[] = [];
      await expect(
        (async () => {
          for await (const v of failing) got.push(v);
        })(),
      ).rejects.toThrow('observing level of urn:test:lamp: the Thing reported: sensor fault');
      expect(got).toEqual([1]);

      handler = stream(['data: not json\n\n']);
      await expect(
        (async () => {
          for await (const _ of await lamp.observeProperty('level')) void _;
        })(),
      ).rejects.toMatchObject({ code: 'observation_failed' });

      // An event that never ends is not buffered without bound.
      handler = stream([`data: "${'x'.repeat(40_000)}`, 'x'.repeat(40_000)]);
      await expect(
        (async () => {
          for await (const _ of await lamp.observeProperty('level')) void _;
        })(),
      ).rejects.toThrow(/event too large/);

      handler = json(1);
      await expect(lamp.observeProperty('level')).rejects.toThrow(/not an event stream/);
    } finally {
      await c.close();
    }
  });
});
