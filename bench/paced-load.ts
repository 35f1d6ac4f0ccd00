import http from 'node:http';
import { nowMs, percentile } from './stats.js';

export interface PacedOptions {
  /** Target URL including the path. */
  url: string;
  ratePerSec: number;
  seconds: number;
  /** Keep-alive connections the requests share. */
  connections: number;
  headers: Record<string, string>;
  /** Sequence number of the first request (default 0), so that runs do not collide. */
  firstSeq?: number;
  /** The body of request `seq`, built at its scheduled send time `sentMs`. */
  body: (seq: number, sentMs: number) => string;
}

export interface PacedResult {
  sent: number;
  ok: number;
  failed: number;
  /** Sequence numbers answered with a 2xx: exactly these must be notified. */
  okSeqs: Set<number>;
  achievedPerSec: number;
  /** Create response latency, from the scheduled send time (ms). */
  latencyP50Ms: number;
  latencyP99Ms: number;
  firstError?: string;
}

/**
 * Open-loop load at a steady rate: request i is due at start + i/rate and is
 * sent (stamped with that moment) whether or not earlier ones were answered,
 * over a keep-alive pool. Unlike autocannon's overallRate, which lets each
 * connection fire its per-second quota back-to-back at the start of every
 * second, this spreads the requests evenly, so "half load" is half load.
 */
export async function pacedLoad(opts: PacedOptions): Promise<PacedResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.connections });
  const target = new URL(opts.url);
  const latencies: number[] = [];
  const okSeqs = new Set<number>();
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let failed = 0;
  let firstError: string | undefined;

  const send = (seq: number) => {
    const sentMs = nowMs();
    const body = opts.body(seq, sentMs);
    const done = new Promise<void>((resolve) => {
      const fail = (why: string) => {
        failed++;
        firstError ??= why;
        resolve();
      };
      const req = http.request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            ...opts.headers,
            'X-M2M-RI': `paced-${seq}`,
            'Content-Length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              okSeqs.add(seq);
              latencies.push(nowMs() - sentMs);
              resolve();
            } else fail(`HTTP ${status} (RSC ${String(res.headers['x-m2m-rsc'])})`);
          });
          res.on('error', (err) => fail(err.message));
        },
      );
      req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', (err) => fail(err.message));
      req.end(body);
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };

  const first = opts.firstSeq ?? 0;
  const start = performance.now();
  const totalMs = opts.seconds * 1000;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsed = Math.min(performance.now() - start, totalMs);
      const due = Math.floor((elapsed * opts.ratePerSec) / 1000);
      while (sent < due) send(first + sent++);
      if (elapsed >= totalMs) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 1);
  });
  const sendingMs = performance.now() - start;
  await Promise.all(pending);
  agent.destroy();
  return {
    sent,
    ok: okSeqs.size,
    failed,
    okSeqs,
    achievedPerSec: (okSeqs.size * 1000) / sendingMs,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    ...(firstError === undefined ? {} : { firstError }),
  };
}
