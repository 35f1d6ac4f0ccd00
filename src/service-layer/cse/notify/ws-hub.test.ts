import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { silentLogger } from '../../../core/log.js';
import { WS_PROTOCOL, WsHub } from './ws-hub.js';

/** A hub behind a bare HTTP server; each upgrade is admitted until `until()` says. */
async function hubServer(until: () => number | undefined) {
  const hub = new WsHub({
    cseId: '/id-in',
    ackTimeoutMs: 1000,
    log: silentLogger,
    admit: async () => true,
    connected: async () => undefined,
  });
  const server = createServer();
  server.on('upgrade', (req, socket, head) => {
    if (!hub.handleUpgrade(req, socket, head, until())) socket.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws?ae=Cfam` };
}

/** Connects, and resolves with how the server closed the channel. */
function closing(url: string): Promise<{ code: number; reason: string; wasOpen: boolean }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, WS_PROTOCOL);
    let wasOpen = false;
    ws.on('open', () => (wasOpen = true));
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), wasOpen }));
    ws.on('error', reject);
  });
}

describe('the notification channel and the token it was opened with', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('is closed with 1008 when the token expires, so the client comes back with a fresh one', async () => {
    const s = await hubServer(() => Date.now() + 150);
    server = s.server;
    const ended = await closing(s.url);
    expect(ended).toEqual({
      code: 1008,
      reason: 'the access token expired: reconnect with a fresh one',
      wasOpen: true,
    });
  });

  it('stays open without an expiry (a device certificate), until the client leaves', async () => {
    const s = await hubServer(() => undefined);
    server = s.server;
    const ws = new WebSocket(s.url, WS_PROTOCOL);
    await new Promise((r) => ws.once('open', r));
    await new Promise((r) => setTimeout(r, 300));
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.close(1000);
    await expect(closed).resolves.toBe(1000);
  });
});
