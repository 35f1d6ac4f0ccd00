import type { Me } from '../session/me.js';

/**
 * The few oneM2M requests the web app makes over the CSE's HTTP binding
 * (TS-0009): register the person's AE (as the CLI does) and retrieve the
 * latest contentInstance of a version container (`<container>/la`,
 * TS-0001 §9.6.27 latest). The CSE returns sealed content only.
 */
export const RSC = { OK: 2000, CREATED: 2001, NOT_FOUND: 4004, ALREADY_REGISTERED: 4117 };

export interface CseAnswer {
  rsc: number;
  status: number;
  body: Record<string, unknown>;
  /** Partial content (X-M2M-CTS: 1): a child listing goes on from this offset (X-M2M-CTO). */
  continueFrom?: number;
}

export async function cseRequest(
  me: Pick<Me, 'ae'>,
  token: string | undefined,
  method: 'GET' | 'POST',
  path: string,
  body?: { ty: number; content: unknown },
): Promise<CseAnswer> {
  const headers: Record<string, string> = {
    'x-m2m-origin': me.ae,
    'x-m2m-ri': crypto.randomUUID(),
    'x-m2m-rvi': '3',
    accept: 'application/json',
  };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = `application/json;ty=${body.ty}`;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'omit',
    cache: 'no-store',
    ...(body ? { body: JSON.stringify(body.content) } : {}),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    parsed = {};
  }
  const cto = Number(res.headers.get('x-m2m-cto'));
  return {
    rsc: Number(res.headers.get('x-m2m-rsc') ?? 0),
    status: res.status,
    body: parsed,
    ...(res.headers.get('x-m2m-cts') === '1' && Number.isInteger(cto) ? { continueFrom: cto } : {}),
  };
}

/** The CSEBase name, from the version paths the application server gives (`/cse-in/…`). */
export function cseBaseOf(me: Me): string {
  const path = me.patients.find((p) => p.versions)?.versions;
  return path?.split('/')[1] ?? 'cse-in';
}

export async function registerAe(me: Me, token: string | undefined): Promise<void> {
  const rn = `u-${me.id}`;
  const res = await cseRequest(me, token, 'POST', `/${cseBaseOf(me)}`, {
    ty: 2,
    content: { 'm2m:ae': { rn, api: `N${rn}`, rr: false, srv: ['3'] } },
  });
  if (res.rsc !== RSC.CREATED && res.rsc !== RSC.ALREADY_REGISTERED)
    throw new Error(`the service layer refused to register this client (${res.rsc || res.status})`);
}
