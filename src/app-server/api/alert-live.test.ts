import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { silentLogger } from '../../core/log.js';
import type { User } from '../directory/directory.js';
import { ALERTS_LIVE_PATH, ALERTS_PROTOCOL, alertLiveUpgrade } from './alert-live.js';

describe('the live alert channel’s upgrade', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  /** A bare HTTP server with only the upgrade; `attach` answers with one frame. */
  async function serve(user: User | undefined) {
    const attached: Array<{ user: User; after: number | undefined }> = [];
    const upgrade = alertLiveUpgrade({
      authenticate: (token) => Promise.resolve(token === 'good' ? user : undefined),
      live: {
        attach: (u, ws, after) => {
          attached.push({ user: u, after });
          ws.send('{"type":"replay","events":[]}');
          return Promise.resolve();
        },
      },
      log: silentLogger,
    });
    server = createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (req, socket, head) => {
      if (!upgrade(req, socket, head)) socket.destroy();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    return { url: `ws://127.0.0.1:${port}${ALERTS_LIVE_PATH}`, attached };
  }

  it('closes the channel with 1008 when the token expires', async () => {
    const { url, attached } = await serve({
      id: 'nur',
      role: 'nurse',
      al: 'N',
      expiresAt: Date.now() + 300,
    });
    const ws = new WebSocket(`${url}?after=7`, [ALERTS_PROTOCOL, 'tutela.bearer.good']);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    expect(await closed).toBe(1008);
    expect(attached).toEqual([{ user: expect.objectContaining({ id: 'nur' }), after: 7 }]);
  });

  it('keeps a channel whose token says no expiry; refuses other paths and bad tokens', async () => {
    const { url } = await serve({ id: 'nur', role: 'nurse', al: 'N' });
    const ws = new WebSocket(url, [ALERTS_PROTOCOL, 'tutela.bearer.good']);
    await new Promise((r) => ws.once('message', r));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
    const refused = (u: string, protocols: string[]) =>
      new Promise<number | undefined>((r) => {
        const c = new WebSocket(u, protocols);
        c.once('unexpected-response', (_q, res) => r(res.statusCode));
        c.once('error', () => r(undefined));
      });
    expect(await refused(url, [ALERTS_PROTOCOL, 'tutela.bearer.bad'])).toBe(401);
    expect(await refused(`${url}?after=x`, [ALERTS_PROTOCOL, 'tutela.bearer.good'])).toBe(400);
    expect(await refused(url.replace('/live', '/other'), [ALERTS_PROTOCOL])).toBeUndefined();
  });
});
