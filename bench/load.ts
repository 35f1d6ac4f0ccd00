import autocannon from 'autocannon';

export interface SaturationOptions {
  /** Target URL including the path. */
  url: string;
  seconds: number;
  connections: number;
  headers: Record<string, string>;
  body: string;
}

export interface SaturationResult {
  /** Responses with a 2xx status per second of the run. */
  okPerSec: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts (autocannon's `errors`). */
  errors: number;
  timeouts: number;
  durationSec: number;
  /** Closed-loop response latency under saturation (autocannon's histogram, ms). */
  latencyP50Ms: number;
  latencyP99Ms: number;
  statusCodes: Record<string, number>;
}

/**
 * Closed-loop saturation with autocannon: HTTP/1.1 keep-alive, pipelining 1,
 * POSTs of `body`, each with its own X-M2M-RI (set in setupRequest, so the
 * request is rebuilt per send, the same cost for every server measured).
 */
export async function saturate(opts: SaturationOptions): Promise<SaturationResult> {
  let n = 0;
  const prefix = `ac${Date.now().toString(36)}`;
  const result = await autocannon({
    url: opts.url,
    connections: opts.connections,
    pipelining: 1,
    duration: opts.seconds,
    timeout: 10,
    method: 'POST',
    headers: opts.headers,
    body: opts.body,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          headers: { ...req.headers, 'X-M2M-RI': `${prefix}-${++n}` },
        }),
      },
    ],
  });
  const ok = result['2xx'];
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
  return {
    okPerSec: result.duration > 0 ? ok / result.duration : 0,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationSec: result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    statusCodes,
  };
}
