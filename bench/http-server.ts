/**
 * Baseline server: bare node:http answering every POST with a tiny JSON body
 * after reading the request. Run as a child of bench/run.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveAsChild } from './child-protocol.js';

const body = JSON.stringify({ ok: true });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(201, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 75_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  serveAsChild(
    { url: `http://127.0.0.1:${port}` },
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
});
