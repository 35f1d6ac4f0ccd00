import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientCredentials } from './client-credentials.js';

/** A token endpoint that records what it was asked and hands out numbered tokens. */
describe('clientCredentials', () => {
  let server: Server;
  let url: string;
  const seen: Array<{ authorization?: string; body: string }> = [];
  let refuse = false;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ authorization: req.headers.authorization, body });
        res.setHeader('content-type', 'application/json');
        if (refuse) {
          res.statusCode = 401;
          res.end(JSON.stringify({ error: 'invalid_client' }));
          return;
        }
        res.end(JSON.stringify({ access_token: `t${seen.length}`, expires_in: 300 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('asks once with HTTP Basic, keeps the token, and renews it a minute before expiry', async () => {
    let now = 1_000_000;
    const source = clientCredentials({
      url,
      clientId: 'tutela-app-server',
      secret: 's3cr:t',
      scope: 'api',
      now: () => now,
    });
    try {
      const [a, b] = await Promise.all([source.accessToken(), source.accessToken()]);
      expect(a).toBe('t1');
      expect(b).toBe('t1'); // one request for concurrent callers
      expect(seen).toHaveLength(1);
      // RFC 6749 §2.3.1: id and secret form-urlencoded, then Basic.
      expect(seen[0]!.authorization).toBe(
        `Basic ${Buffer.from('tutela-app-server:s3cr%3At').toString('base64')}`,
      );
      expect(new URLSearchParams(seen[0]!.body).get('grant_type')).toBe('client_credentials');
      expect(new URLSearchParams(seen[0]!.body).get('scope')).toBe('api');
      now += 239_000; // 4 min − 1 s: still the same token
      expect(await source.accessToken()).toBe('t1');
      now += 2_000; // within the last minute: a new one
      expect(await source.accessToken()).toBe('t2');
    } finally {
      await source.close();
    }
  });

  it('says the token endpoint refused it', async () => {
    refuse = true;
    const source = clientCredentials({ url, clientId: 'c', secret: 'bad', scope: 'api' });
    try {
      await expect(source.accessToken()).rejects.toThrow(/refused c: HTTP 401 invalid_client/);
    } finally {
      refuse = false;
      await source.close();
    }
  });
});
