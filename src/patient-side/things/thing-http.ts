import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { Rsc, TutelaError } from '../../core/errors.js';
import { asList, type ConsumedTd, type TdForm } from './consumed-td.js';
import { ThingRequestError } from './errors.js';

export interface ThingHttpOptions {
  /** The bearer credential the Things' bearer security scheme asks for. */
  token: string;
  /** Extra CA (PEM) to trust for HTTPS, e.g. the ward's local CA. */
  ca?: string;
  /** Talk to Things over plain HTTP (the token then travels in clear): tests and loopback demos only. */
  allowInsecureHttp?: boolean;
  timeoutMs?: number;
}

/** A response larger than this is not a property value or action result. */
const MAX_BODY_BYTES = 1024 * 1024;
const isJson = (type: unknown) =>
  typeof type === 'string' && /^application\/([\w.-]+\+)?json\b/i.test(type);

export const refused = (code: string, msg: string) => new TutelaError(code, Rsc.BAD_REQUEST, msg);

async function readBody(body: Readable): Promise<string> {
  let size = 0;
  const parts: Buffer[] = [];
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw refused('thing_bad_response', 'response too large');
    }
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * The consumer's HTTP side: one connection pool, the credential, and the
 * rules for where it may go. Errors come back as TutelaErrors that say which
 * interaction failed and, for an error status, what the Thing answered.
 */
export class ThingHttp {
  private readonly agent: Agent;

  constructor(private readonly opts: ThingHttpOptions) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs ?? 10_000,
      bodyTimeout: opts.timeoutMs ?? 10_000,
      ...(opts.ca ? { connect: { ca: opts.ca } } : {}),
    });
  }

  /** Where the credential may go: the trusted origin only, and over HTTPS unless told otherwise. */
  checkTarget(url: URL, origin: string): void {
    if (url.origin !== origin)
      throw refused('td_untrusted_form', `a form of the TD points to ${url.origin}, not ${origin}`);
    if (url.protocol !== 'https:' && !this.opts.allowInsecureHttp)
      throw refused('insecure_transport', `refusing ${url.protocol} (allowInsecureHttp is off)`);
  }

  /** The headers a form's security (else the TD's, TD 1.1 §5.3.4.2) asks for: only bearer in a header is spoken. */
  authHeaders(td: ConsumedTd, form: TdForm): Record<string, string> {
    const headers: Record<string, string> = {};
    for (const name of asList(form.security ?? td.security)) {
      const scheme = td.securityDefinitions[name]!;
      if (scheme.scheme === 'nosec')
        throw refused(
          'td_unsupported_security',
          'refusing a Thing that asks for no security (nosec)',
        );
      if (scheme.scheme !== 'bearer' || (scheme.in ?? 'header') !== 'header')
        throw refused(
          'td_unsupported_security',
          `security scheme ${scheme.scheme}${scheme.in ? ` in ${scheme.in}` : ''} is not supported`,
        );
      headers[(scheme.name ?? 'authorization').toLowerCase()] = `Bearer ${this.opts.token}`;
    }
    return headers;
  }

  /** Fetches a TD or TD directory: the caller gave the URL and the token, so the token goes with it. */
  async getTd(url: URL, what: string): Promise<unknown> {
    this.checkTarget(url, url.origin);
    const res = await this.send(what, url, 'GET', {
      authorization: `Bearer ${this.opts.token}`,
      accept: 'application/td+json, application/json',
    });
    return this.json(res, what);
  }

  /** One HTTP exchange; an error status becomes a ThingRequestError with the Thing's own message. */
  async send(
    what: string,
    url: URL,
    method: Dispatcher.HttpMethod,
    headers: Record<string, string>,
    body?: string,
    extra: { signal?: AbortSignal; bodyTimeout?: number } = {},
  ): Promise<Dispatcher.ResponseData> {
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        headers,
        dispatcher: this.agent,
        ...(body !== undefined ? { body } : {}),
        ...extra,
      });
    } catch (err) {
      throw new TutelaError(
        'thing_unreachable',
        Rsc.REQUEST_TIMEOUT,
        `${what}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (res.statusCode < 400) return res;
    const text = await readBody(res.body).catch(() => '');
    let answer: { error?: unknown; message?: unknown } = {};
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      // Not JSON: the status alone says what happened.
    }
    const code = typeof answer.error === 'string' ? answer.error : undefined;
    const message = typeof answer.message === 'string' ? `: ${answer.message}` : '';
    throw new ThingRequestError(res.statusCode, code, `${what}: HTTP ${res.statusCode}${message}`);
  }

  /** The JSON body of a successful response. */
  async json(res: Dispatcher.ResponseData, what: string): Promise<unknown> {
    const text = await readBody(res.body);
    if (!isJson(res.headers['content-type']))
      throw refused('thing_bad_response', `${what}: the answer is not JSON`);
    try {
      return JSON.parse(text);
    } catch {
      throw refused('thing_bad_response', `${what}: the answer is not valid JSON`);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
