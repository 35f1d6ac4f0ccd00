import net from 'node:net';
import type { AddressInfo } from 'node:net';

export interface ToggleProxy {
  url: string;
  /** Cuts every connection and refuses new ones, as a network outage would. */
  down(): void;
  up(): void;
  close(): Promise<void>;
}

/** A TCP proxy in front of `target` (host:port) that a test can switch off and on. */
export async function startToggleProxy(targetUrl: string): Promise<ToggleProxy> {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let isUp = true;
  const server = net.createServer((client) => {
    if (!isUp) return client.destroy();
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${target.protocol}//127.0.0.1:${port}`,
    down() {
      isUp = false;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    up() {
      isUp = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
