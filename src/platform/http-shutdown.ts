import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../core/log.js';

/** How long a shutdown waits for requests in flight before it cuts what is still open. */
export const SHUTDOWN_GRACE_MS = 10_000;
/** While the server closes, connections that have become idle are ended this often. */
const IDLE_SWEEP_MS = 100;

export type UpgradeRoute = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/**
 * The HTTP server's part of a shutdown, bounded and complete. Node's
 * `server.close()` waits for every connection but ends only those idle at
 * that moment: a keep-alive connection whose request was in flight stays
 * open once answered (for keepAliveTimeout, 75 s), and a socket taken by an
 * upgrade (a WebSocket, or one still being authenticated) is no longer the
 * HTTP server's at all, so a hub that closed before it was attached never
 * ends it. Hence:
 * - upgrades pass through here to `route`: tracked until their socket
 *   closes, refused with 503 once `refuseUpgrades()` has been called;
 * - a preClose hook, run after those registered before it (the application
 *   server's live channel; the CSE's hub has closed before `close()`),
 *   destroys every upgraded socket still open: no hub is left to end it;
 * - `close()` ends connections as they become idle, and after `graceMs`
 *   cuts whatever is still open, with a warning.
 */
export function httpShutdown(
  app: FastifyInstance,
  opts: { route: UpgradeRoute; log: Logger; graceMs?: number },
) {
  const upgrades = new Set<Duplex>();
  let refusing = false;
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrades.add(socket);
    socket.once('close', () => upgrades.delete(socket));
    if (!refusing) return opts.route(req, socket, head);
    socket.once('finish', () => socket.destroy());
    socket.end(
      'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
    );
  });
  app.addHook('preClose', (done) => {
    refusing = true;
    for (const socket of upgrades) socket.destroy();
    done();
  });
  return {
    /** From now on an upgrade is answered 503 (the platform's close begins with this). */
    refuseUpgrades(): void {
      refusing = true;
    },
    /** Closes the Fastify instance, its connections included, within about `graceMs`. */
    async close(): Promise<void> {
      const graceMs = opts.graceMs ?? SHUTDOWN_GRACE_MS;
      const sweep = setInterval(() => app.server.closeIdleConnections(), IDLE_SWEEP_MS);
      const cut = setTimeout(
        () =>
          app.server.getConnections((_err, open) => {
            opts.log.warn({ open, graceMs }, 'connections still open at shutdown were cut');
            app.server.closeAllConnections();
            for (const socket of upgrades) socket.destroy();
          }),
        graceMs,
      );
      try {
        await app.close();
      } finally {
        clearInterval(sweep);
        clearTimeout(cut);
      }
    },
  };
}
