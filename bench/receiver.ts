import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseStampedReading } from './m2m.js';
import { nowMs } from './stats.js';

export interface Receiver {
  /** Notification URI to subscribe with. */
  url: string;
  /** Verification requests answered (m2m:sgn.vrq = true). */
  verifications: number;
  /** Delivered − sent (ms) by sequence number of the reading, first delivery only. */
  latencyBySeq: Map<number, number>;
  /** Readings delivered more than once. */
  duplicates: number;
  /** Notifications whose content was not a stamped reading. */
  other: number;
  close(): Promise<void>;
}

interface Notification {
  'm2m:sgn'?: {
    vrq?: boolean;
    nev?: { rep?: { 'm2m:cin'?: { con?: unknown } } };
  };
}

/**
 * A notification target on 127.0.0.1 in the benchmark process: it answers
 * every NOTIFY (verification included) with 200 / X-M2M-RSC 2000, and times
 * each reading from the moment it was sent to the moment its notification
 * has arrived (same process, same clock).
 */
export async function startReceiver(): Promise<Receiver> {
  const r: Omit<Receiver, 'url' | 'close'> = {
    verifications: 0,
    latencyBySeq: new Map(),
    duplicates: 0,
    other: 0,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const arrivedMs = nowMs();
      try {
        const sgn = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notification)['m2m:sgn'];
        const con = sgn?.nev?.rep?.['m2m:cin']?.con;
        const stamp = typeof con === 'string' ? parseStampedReading(con) : undefined;
        if (sgn?.vrq === true) r.verifications++;
        else if (!stamp) r.other++;
        else if (r.latencyBySeq.has(stamp.seq)) r.duplicates++;
        else r.latencyBySeq.set(stamp.seq, arrivedMs - stamp.sentMs);
      } catch {
        r.other++;
      }
      const rqi = req.headers['x-m2m-ri'];
      res.writeHead(200, {
        'X-M2M-RSC': '2000',
        'X-M2M-RVI': '3',
        ...(typeof rqi === 'string' ? { 'X-M2M-RI': rqi } : {}),
        'Content-Length': 0,
      });
      res.end();
    });
  });
  server.keepAliveTimeout = 75_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(r, {
    url: `http://127.0.0.1:${port}/n`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
