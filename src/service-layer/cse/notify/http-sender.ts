import http from 'node:http';
import https from 'node:https';
import { TutelaError, Rsc } from '../../../core/errors.js';

export interface HttpSenderOptions {
  cseId: string;
  timeoutMs: number;
  maxSocketsPerHost: number;
  /** Extra trusted CA (PEM) for https notification targets, e.g. the platform's local CA. */
  ca?: string | undefined;
}

export type HttpSend = (url: string, rqi: string, body: string) => Promise<void>;

/**
 * Sends a notification as a oneM2M NOTIFY over HTTP (TS-0009 §6.2: POST to
 * the notification URI, From = the CSE, X-M2M-RI = the notification id so a
 * retried notification can be recognised). Resolves only on a 2xx whose
 * X-M2M-RSC, if present, is a success code.
 */
export function createHttpSender(opts: HttpSenderOptions): HttpSend {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: opts.maxSocketsPerHost }),
    'https:': new https.Agent({
      keepAlive: true,
      maxSockets: opts.maxSocketsPerHost,
      ...(opts.ca ? { ca: opts.ca } : {}),
    }),
  };
  return (url, rqi, body) =>
    new Promise<void>((resolve, reject) => {
      const u = new URL(url);
      const lib = u.protocol === 'https:' ? https : http;
      const req = lib.request(
        u,
        {
          method: 'POST',
          agent: agents[u.protocol as 'http:' | 'https:'],
          timeout: opts.timeoutMs,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            'X-M2M-Origin': opts.cseId,
            'X-M2M-RI': rqi,
            'X-M2M-RVI': '3',
          },
        },
        (res) => {
          res.resume();
          const rsc = Number(res.headers['x-m2m-rsc'] ?? 2000);
          const status = res.statusCode ?? 0;
          res.on('end', () =>
            status >= 200 && status < 300 && rsc >= 2000 && rsc < 3000
              ? resolve()
              : reject(
                  new TutelaError(
                    'notify_rejected',
                    Rsc.SUBSCRIPTION_VERIFICATION_INITIATION_FAILED,
                    `${u.host} answered HTTP ${status} / RSC ${rsc}`,
                  ),
                ),
          );
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`no answer from ${u.host} within ${opts.timeoutMs} ms`)),
      );
      req.on('error', reject);
      req.end(body);
    });
}
