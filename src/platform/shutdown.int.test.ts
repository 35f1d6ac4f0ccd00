import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { databaseTargets } from '../core/db/testing.js';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform.js';
import { ALERTS_LIVE_PATH, ALERTS_PROTOCOL } from '../app-server/api/alert-live.js';

/** A raw connection to the platform: what it was sent, and whether it has closed. */
async function connect(platform: TestPlatform) {
  const socket = net.connect(Number(new URL(platform.url).port), '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString()));
  return { socket, got: () => got };
}

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

/**
 * Starts destroying the platform and, once its server has stopped listening,
 * runs `during`; says whether the HTTP server then let go of every connection
 * within `ms` (one left open holds `app.close()` for its keep-alive timeout,
 * 75 s, or, upgraded, for ever). The caller ends its client socket, then
 * awaits `destroyed`.
 */
async function closes(platform: TestPlatform, during: () => Promise<void>, ms: number) {
  let httpClosed = false;
  platform.app.server.once('close', () => (httpClosed = true));
  const destroyed = platform.destroy();
  await until(() => !platform.app.server.listening);
  await during();
  const deadline = Date.now() + ms;
  await until(() => httpClosed || Date.now() > deadline);
  return { httpClosed, destroyed };
}

describe.each(databaseTargets())('closing the platform ($name)', (target) => {
  it('ends a keep-alive connection whose request was still in flight when the close began', async () => {
    const platform = await startTestPlatform(target);
    const client = await connect(platform);
    // Headers now, the body once the server has stopped listening: the request is Fastify's
    // before the close, its answer keeps the connection alive after it (the application
    // server's own requests to the CSE, mid-pipeline, did this).
    client.socket.write(
      'POST /cse-in HTTP/1.1\r\nHost: x\r\nX-M2M-Origin: Cshutdown\r\nX-M2M-RI: r1\r\n' +
        'X-M2M-RVI: 3\r\nContent-Type: application/json;ty=2\r\nContent-Length: 2\r\n\r\n',
    );
    await new Promise((r) => setTimeout(r, 100));
    const { httpClosed, destroyed } = await closes(
      platform,
      async () => {
        client.socket.write('{}');
        await until(() => client.got().includes('\r\n\r\n'));
      },
      3_000,
    );
    client.socket.destroy();
    await destroyed;
    expect(client.got()).toMatch(/^HTTP\/1\.1 \d{3} /);
    expect(httpClosed).toBe(true);
  });

  it('ends a live alert channel whose upgrade was authenticated only after the close began', async () => {
    const platform = await startTestPlatform(target, { app: { enabled: true } });
    const directory = platform.appServer!.directory;
    const token = await directory.addUser('doc', 'doctor');
    // The token is checked against the database; here that check waits until the close has begun.
    const authenticate = directory.authenticate.bind(directory);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let asked = false;
    directory.authenticate = async (t) => {
      asked = true;
      await held;
      return authenticate(t);
    };
    const client = await connect(platform);
    client.socket.write(
      `GET ${ALERTS_LIVE_PATH} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
        `Sec-WebSocket-Protocol: ${ALERTS_PROTOCOL}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    await until(() => asked);
    const { httpClosed, destroyed } = await closes(
      platform,
      async () => {
        release();
        await new Promise((r) => setTimeout(r, 100));
      },
      3_000,
    );
    client.socket.destroy();
    await destroyed;
    expect(client.got()).not.toMatch(/^HTTP\/1\.1 101/);
    expect(httpClosed).toBe(true);
  });
});
