import { randomBytes } from 'node:crypto';

/** The AE the benchmark registers and acts as. */
export const ORIGINATOR = 'CBench';
export const AE = 'bench';
export const CONTAINER = 'vitals';
export const CONTENT_BYTES = 300;

/** Headers of a CREATE by the benchmark's AE (X-M2M-RI is added per request). */
export function createHeaders(ty: number): Record<string, string> {
  return {
    'X-M2M-Origin': ORIGINATOR,
    'X-M2M-RVI': '3',
    'Content-Type': `application/json;ty=${ty}`,
  };
}

/** ~300 bytes of base64, like a sealed (end-to-end encrypted) vital-signs reading. */
export function sealedReading(bytes = CONTENT_BYTES): string {
  return randomBytes(Math.ceil((bytes * 3) / 4))
    .toString('base64')
    .slice(0, bytes);
}

const padding = sealedReading(CONTENT_BYTES);

/**
 * A reading that carries when it was sent (ms, performance.timeOrigin +
 * performance.now()) and its sequence number, padded to the same size.
 */
export function stampedReading(sentMs: number, seq: number): string {
  const head = `${sentMs.toFixed(3)}:${seq}:`;
  return head + padding.slice(head.length);
}

export function parseStampedReading(con: string): { sentMs: number; seq: number } | undefined {
  const [ms, seq] = con.split(':', 2);
  const sentMs = Number(ms);
  const n = Number(seq);
  return Number.isFinite(sentMs) && Number.isInteger(n) ? { sentMs, seq: n } : undefined;
}

export function cinBody(con: string): string {
  return JSON.stringify({ 'm2m:cin': { cnf: 'application/octet-stream:0', con } });
}

let setupRequests = 0;

/** One request during set-up; fails unless the CSE answers `expect` (HTTP status). */
export async function m2mRequest(
  url: string,
  method: 'POST' | 'GET',
  headers: Record<string, string>,
  body: unknown,
  expect: number,
): Promise<unknown> {
  const res = await fetch(url, {
    method,
    headers: { ...headers, 'X-M2M-RI': `setup-${++setupRequests}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status !== expect) {
    throw new Error(
      `${method} ${url} answered HTTP ${res.status} (RSC ${res.headers.get('x-m2m-rsc')}): ${text.slice(0, 300)}`,
    );
  }
  return text ? (JSON.parse(text) as unknown) : undefined;
}
