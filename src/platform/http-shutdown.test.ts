import net from 'node:net';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../core/log.js';
import { httpShutdown, type UpgradeRoute } from './http-shutdown.js';

const UPGRADE =
  'GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** A raw client connection: what the server sent, and whether it has closed. */
async function connect(app: FastifyInstance) {
  const address = app.server.address() as net.AddressInfo;
  const socket = net.connect(address.port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString()));
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  return { socket, got: () => got, closed };
}

/** Whether `p` settles within `ms`. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(r, ms, false))]);
}

const until = async (cond: () => boolean) => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

describe('the HTTP server at shutdown', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((c) => c()));

  async function serve(route: UpgradeRoute = (_req, socket) => socket.destroy(), graceMs = 60_000) {
    const lines: string[] = [];
    const app = Fastify();
    let release!: () => void;
    const answered = new Promise<void>((r) => (release = r));
    let entered = false;
    app.get('/slow', async () => {
      entered = true;
      await answered;
      return { ok: true };
    });
    const log = createLogger('warn', { write: (line: string) => void lines.push(line) });
    const shutdown = httpShutdown(app, { route, log, graceMs });
    await app.listen({ host: '127.0.0.1', port: 0 });
    // A test that fails still lets the server go.
    cleanup.push(() => {
      release();
      app.server.closeAllConnections();
    });
    return { app, shutdown, release, entered: () => entered, lines };
  }

  it('ends a keep-alive connection whose request was in flight when the close began', async () => {
    const { app, shutdown, release, entered } = await serve();
    const client = await connect(app);
    client.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(entered);
    const closing = shutdown.close();
    await until(() => !app.server.listening);
    release();
    // Node's server.close() ended the idle connections only; this one answers keep-alive afterwards.
    expect(await within(closing, 2_000)).toBe(true);
    expect(client.got()).toMatch(/^HTTP\/1\.1 200 OK/);
    await client.closed;
  });

  it('destroys an upgraded socket that no hub ended (its upgrade completed after the hub closed)', async () => {
    const held: Duplex[] = [];
    // A hub still authenticating when the close began: it takes the socket and never lets go.
    const { app, shutdown } = await serve((_req, socket) => void held.push(socket));
    const client = await connect(app);
    client.socket.write(UPGRADE);
    await until(() => held.length === 1);
    expect(await within(shutdown.close(), 2_000)).toBe(true);
    await client.closed;
  });

  it('refuses an upgrade once closing began: 503, and the socket closed', async () => {
    let routed = 0;
    const { app, shutdown } = await serve(() => void routed++);
    shutdown.refuseUpgrades();
    const client = await connect(app);
    client.socket.write(UPGRADE);
    expect(await within(client.closed, 2_000)).toBe(true);
    expect(client.got()).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    expect(routed).toBe(0);
    await shutdown.close();
  });

  it('cuts what is still open after the grace period, and says so', async () => {
    const { app, shutdown, entered, lines } = await serve(undefined, 300);
    const client = await connect(app);
    client.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(entered);
    const started = Date.now();
    expect(await within(shutdown.close(), 2_000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await client.closed;
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        open: 1,
        graceMs: 300,
        msg: 'connections still open at shutdown were cut',
      }),
    ]);
  });

  it('closes at once when nothing is open', async () => {
    const { shutdown } = await serve();
    expect(await within(shutdown.close(), 500)).toBe(true);
  });
});
