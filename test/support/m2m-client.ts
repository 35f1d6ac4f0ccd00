/** A minimal oneM2M HTTP client for tests: what any plain HTTP client would send. */
export interface M2MResult {
  status: number;
  rsc: number;
  body: Record<string, any>;
  headers: Headers;
}

let counter = 0;

export function m2mClient(base: string) {
  async function request(
    method: string,
    path: string,
    opts: {
      origin?: string | null;
      ty?: number;
      body?: unknown;
      raw?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<M2MResult> {
    const headers: Record<string, string> = { 'X-M2M-RI': `rq${++counter}`, 'X-M2M-RVI': '3' };
    if (opts.origin !== null) headers['X-M2M-Origin'] = opts.origin ?? 'CAdmin';
    if (opts.body !== undefined || opts.raw !== undefined) {
      headers['Content-Type'] =
        opts.ty !== undefined ? `application/json;ty=${opts.ty}` : 'application/json';
    }
    Object.assign(headers, opts.headers);
    const res = await fetch(base + path, {
      method,
      headers,
      body: opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
    });
    const text = await res.text();
    return {
      status: res.status,
      rsc: Number(res.headers.get('x-m2m-rsc')),
      body: text ? JSON.parse(text) : {},
      headers: res.headers,
    };
  }
  return {
    request,
    create: (path: string, ty: number, body: unknown, origin?: string) =>
      request('POST', path, { ty, body, ...(origin ? { origin } : {}) }),
    get: (path: string, origin?: string) => request('GET', path, origin ? { origin } : {}),
    update: (path: string, body: unknown, origin?: string) =>
      request('PUT', path, { body, ...(origin ? { origin } : {}) }),
    del: (path: string, origin?: string) => request('DELETE', path, origin ? { origin } : {}),
    registerAe: (rn: string, origin: string, extra: Record<string, unknown> = {}) =>
      request('POST', '/cse-in', {
        ty: 2,
        origin,
        body: { 'm2m:ae': { rn, api: `N${rn}`, rr: true, srv: ['3'], ...extra } },
      }),
  };
}
