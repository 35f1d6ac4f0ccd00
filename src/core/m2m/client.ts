import { Agent, request } from 'undici';
import { randomId } from '../ids.js';
import { TutelaError, Rsc } from '../errors.js';

export interface M2MClientOptions {
  /** Base URL of the CSE's HTTP binding, e.g. https://127.0.0.1:8443 */
  baseUrl: string;
  /** The originator (AE-ID) this client speaks as (X-M2M-Origin). */
  origin: string;
  /** Extra CA (PEM) to trust, e.g. the platform's local CA. */
  ca?: string | undefined;
  /** A client certificate and its key (PEM) for mutual TLS: how an onboarded gateway authenticates. */
  clientCert?: { key: string; cert: string } | undefined;
  timeoutMs?: number;
  /**
   * An access token for every request (`Authorization: Bearer`, RFC 6750
   * §2.1), asked for each time: the source keeps it fresh (refresh, client
   * credentials). The CSE requires one from people's clients and the
   * application server when the platform's authorization server runs.
   */
  accessToken?: (() => Promise<string>) | undefined;
}

export interface M2MResponse {
  status: number;
  rsc: number;
  body: Record<string, unknown>;
}

/** oneM2M resource types the platform's clients create (TS-0004 §6.3.4.2.1). */
export const Ty = { ACP: 1, AE: 2, CONTAINER: 3, CONTENT_INSTANCE: 4, SUBSCRIPTION: 23 } as const;

/**
 * A oneM2M client over the HTTP binding (TS-0009), used by the zones that
 * talk to the service layer: gateways, the application server, caregiver
 * clients. Speaks JSON with short names; every request carries a fresh
 * X-M2M-RI. Anything but the expected status codes is a TutelaError with
 * the CSE's response status code and message.
 */
export class M2MClient {
  private readonly agent: Agent;

  constructor(private readonly opts: M2MClientOptions) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs ?? 10_000,
      bodyTimeout: opts.timeoutMs ?? 10_000,
      connect: {
        ...(opts.ca ? { ca: opts.ca } : {}),
        ...(opts.clientCert ? { key: opts.clientCert.key, cert: opts.clientCert.cert } : {}),
      },
    });
  }

  get origin(): string {
    return this.opts.origin;
  }

  async request(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    opts: { ty?: number; body?: unknown; query?: Record<string, string | number> } = {},
  ): Promise<M2MResponse> {
    const qs = opts.query
      ? `?${new URLSearchParams(Object.entries(opts.query).map(([k, v]): [string, string] => [k, String(v)]))}`
      : '';
    const headers: Record<string, string> = {
      'x-m2m-origin': this.opts.origin,
      'x-m2m-ri': randomId(),
      'x-m2m-rvi': '3',
      accept: 'application/json',
    };
    if (this.opts.accessToken) headers.authorization = `Bearer ${await this.opts.accessToken()}`;
    if (opts.body !== undefined)
      headers['content-type'] =
        opts.ty === undefined ? 'application/json' : `application/json;ty=${opts.ty}`;
    const res = await request(new URL(path + qs, this.opts.baseUrl), {
      method,
      headers,
      dispatcher: this.agent,
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    const text = await res.body.text();
    const rscHeader = res.headers['x-m2m-rsc'];
    let body: Record<string, unknown> = {};
    if (text) {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { 'm2m:dbg': text.slice(0, 200) };
      }
    }
    return { status: res.statusCode, rsc: Number(rscHeader ?? 0), body };
  }

  /** A request that must answer with one of `ok` (else a TutelaError carrying the CSE's answer). */
  async expect(ok: number[], ...args: Parameters<M2MClient['request']>): Promise<M2MResponse> {
    const res = await this.request(...args);
    if (!ok.includes(res.rsc)) {
      const dbg = typeof res.body['m2m:dbg'] === 'string' ? res.body['m2m:dbg'] : '';
      throw new TutelaError(
        'cse_request_failed',
        res.rsc || Rsc.INTERNAL_SERVER_ERROR,
        `${args[0]} ${args[1]}: CSE answered ${res.rsc || res.status}${dbg ? ` (${dbg})` : ''}`,
      );
    }
    return res;
  }

  /** Registers this client's AE; an AE already registered under this id is fine (a restart). */
  async registerAe(cseBase: string, rn: string, poa: string[] = []): Promise<void> {
    await this.expect([Rsc.CREATED, Rsc.ORIGINATOR_HAS_ALREADY_REGISTERED], 'POST', cseBase, {
      ty: Ty.AE,
      body: {
        'm2m:ae': {
          rn,
          api: `N${rn}`,
          rr: poa.length > 0,
          srv: ['3'],
          ...(poa.length ? { poa } : {}),
        },
      },
    });
  }

  /**
   * Creates a resource unless one of that name exists, and returns its
   * resource id (`ri`): what other resources refer to it by, e.g. in `acpi`.
   */
  async ensure(
    parent: string,
    ty: number,
    key: string,
    attrs: Record<string, unknown> & { rn: string },
  ): Promise<string> {
    const res = await this.expect([Rsc.CREATED, Rsc.CONFLICT], 'POST', parent, {
      ty,
      body: { [key]: attrs },
    });
    const created =
      res.rsc === Rsc.CREATED ? res.body : await this.retrieve(`${parent}/${attrs.rn}`);
    return (created[key] as { ri: string }).ri;
  }

  /** Creates a resource, or brings an existing one of that name up to `attrs`; returns its `ri`. */
  async upsert(
    parent: string,
    ty: number,
    key: string,
    attrs: Record<string, unknown> & { rn: string },
  ): Promise<string> {
    // Update first: after provisioning the resource is there, and a refused create would
    // cost the CSE a failed write in its group commit (which then redoes the batch).
    const { rn, ...changes } = attrs;
    const update = (ok: number[]) =>
      this.expect(ok, 'PUT', `${parent}/${rn}`, { body: { [key]: changes } });
    let res = await update([Rsc.UPDATED, Rsc.NOT_FOUND]);
    if (res.rsc === Rsc.UPDATED) return (res.body[key] as { ri: string }).ri;
    res = await this.expect([Rsc.CREATED, Rsc.CONFLICT], 'POST', parent, {
      ty,
      body: { [key]: attrs },
    });
    if (res.rsc === Rsc.CREATED) return (res.body[key] as { ri: string }).ri;
    // Created by someone else between the two requests: update that one.
    res = await update([Rsc.UPDATED]);
    return (res.body[key] as { ri: string }).ri;
  }

  /** Creates a contentInstance; `rn` makes a retried create idempotent (4105 = it is already there). */
  async createInstance(
    container: string,
    con: string,
    opts: { rn?: string; lbl?: string[] } = {},
  ): Promise<'created' | 'exists'> {
    const res = await this.expect([Rsc.CREATED, Rsc.CONFLICT], 'POST', container, {
      ty: Ty.CONTENT_INSTANCE,
      body: {
        'm2m:cin': {
          con,
          cnf: 'application/json:0',
          ...(opts.rn ? { rn: opts.rn } : {}),
          ...(opts.lbl ? { lbl: opts.lbl } : {}),
        },
      },
    });
    return res.rsc === Rsc.CREATED ? 'created' : 'exists';
  }

  async retrieve(
    path: string,
    query?: Record<string, string | number>,
  ): Promise<Record<string, unknown>> {
    return (await this.expect([Rsc.OK], 'GET', path, query ? { query } : {})).body;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
