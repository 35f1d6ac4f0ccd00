import { Rsc, TutelaError } from '../../core/errors.js';
import { asList, parseTd, type ConsumedTd } from './consumed-td.js';
import { Observation } from './observation.js';
import { refused, ThingHttp, type ThingHttpOptions } from './thing-http.js';

export interface ConsumerOptions extends ThingHttpOptions {
  /** Longest silence on an observation before it fails; the Thing's heartbeats must come more often. */
  observeIdleMs?: number;
}

type Op = 'readproperty' | 'writeproperty' | 'observeproperty' | 'invokeaction';
/** HTTP binding default methods, TD 1.1 §8.3.1 (observation over SSE is a GET, as EventSource makes). */
const METHOD: Record<Op, 'GET' | 'PUT' | 'POST'> = {
  readproperty: 'GET',
  writeproperty: 'PUT',
  observeproperty: 'GET',
  invokeaction: 'POST',
};

/**
 * What a patient gateway uses to talk to its Things: it fetches and checks
 * their TDs and drives every interaction from them, looking up the form for
 * the operation (TD 1.1 §5.3.4.2) and resolving its href against the TD's
 * `base` (§5.3.1.1), never building paths itself. The credential goes only
 * where a TD's security asks for it, and only to the origin the TD came
 * from: a TD whose forms point elsewhere is refused, so it cannot collect
 * the token.
 */
export class ThingConsumer {
  private readonly http: ThingHttp;

  constructor(private readonly opts: ConsumerOptions) {
    this.http = new ThingHttp(opts);
  }

  /** Fetches a TD directory (a JSON array of TDs, e.g. GET /things) and consumes each TD. */
  async discover(url: string | URL): Promise<ConsumedThing[]> {
    const at = new URL(url);
    const list = await this.http.getTd(at, 'the TD directory');
    if (!Array.isArray(list)) throw refused('td_invalid', 'the TD directory is not an array');
    return list.map((td) => this.bind(td, at.origin));
  }

  /** Consumes one Thing from its TD's URL, or from a TD already in hand (whose `base` is then trusted). */
  async consume(td: string | URL | object): Promise<ConsumedThing> {
    if (typeof td === 'string' || td instanceof URL) {
      const at = new URL(td);
      return this.bind(await this.http.getTd(at, 'the TD'), at.origin);
    }
    const base = (td as { base?: unknown }).base;
    if (typeof base !== 'string' || !URL.canParse(base))
      throw refused('td_invalid', 'invalid TD: a TD given in hand needs an absolute base');
    return this.bind(td, new URL(base).origin);
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  private bind(raw: unknown, origin: string): ConsumedThing {
    const td = parseTd(raw);
    // Without base, relative hrefs resolve against where the TD came from (RFC 3986 §5.1).
    const base = new URL(td.base ?? origin);
    const affordances = [...Object.values(td.properties ?? {}), ...Object.values(td.actions ?? {})];
    for (const form of affordances.flatMap((a) => a.forms))
      this.http.checkTarget(new URL(form.href, base), origin);
    return new ConsumedThing(td, base, this.http, this.opts.observeIdleMs ?? 45_000);
  }
}

/** One Thing, consumed through its TD. */
export class ConsumedThing {
  constructor(
    readonly td: ConsumedTd,
    private readonly base: URL,
    private readonly http: ThingHttp,
    private readonly observeIdleMs: number,
  ) {}

  /** The TD's id, else its title: how errors and readings name this Thing. */
  get name(): string {
    return this.td.id ?? this.td.title;
  }

  async readProperty(name: string): Promise<unknown> {
    const { what, url, method, headers } = this.interaction('properties', name, 'readproperty');
    const res = await this.http.send(what, url, method, { ...headers, accept: 'application/json' });
    return this.http.json(res, what);
  }

  async writeProperty(name: string, value: unknown): Promise<void> {
    const { what, url, method, headers } = this.interaction('properties', name, 'writeproperty');
    const json = { ...headers, 'content-type': 'application/json' };
    const res = await this.http.send(what, url, method, json, JSON.stringify(value));
    await res.body.dump();
  }

  /** Invokes an action and returns its output (undefined when the Thing answers 204). */
  async invokeAction(name: string, input?: unknown): Promise<unknown> {
    const { what, url, method, headers } = this.interaction('actions', name, 'invokeaction');
    const h = { ...headers, accept: 'application/json' };
    const res =
      input === undefined
        ? await this.http.send(what, url, method, h)
        : await this.http.send(
            what,
            url,
            method,
            { ...h, 'content-type': 'application/json' },
            JSON.stringify(input),
          );
    if (res.statusCode === 204) {
      await res.body.dump();
      return undefined;
    }
    return this.http.json(res, what);
  }

  /** Opens an observation over SSE; the Observation yields each new value until closed. */
  async observeProperty(name: string): Promise<Observation> {
    const { what, url, method, headers } = this.interaction('properties', name, 'observeproperty');
    const abort = new AbortController();
    const res = await this.http.send(
      what,
      url,
      method,
      { ...headers, accept: 'text/event-stream' },
      undefined,
      { signal: abort.signal, bodyTimeout: this.observeIdleMs },
    );
    if (!String(res.headers['content-type']).startsWith('text/event-stream')) {
      abort.abort();
      res.body.destroy();
      throw refused('thing_bad_response', `${what}: the answer is not an event stream`);
    }
    return new Observation(res.body, abort, `${name} of ${this.name}`);
  }

  /** The form for `op` (TD 1.1 §5.4 default ops where a form names none) and what to send with it. */
  private interaction(kind: 'properties' | 'actions', name: string, op: Op) {
    const what = `${op} ${name} of ${this.name}`;
    const affordances = this.td[kind] ?? {};
    const affordance = Object.hasOwn(affordances, name) ? affordances[name] : undefined;
    if (!affordance)
      throw new TutelaError('td_no_affordance', Rsc.NOT_FOUND, `${what}: not in the TD`);
    const defaults = kind === 'actions' ? ['invokeaction'] : ['readproperty', 'writeproperty'];
    // Observation is spoken over SSE only; every other op over plain HTTP, in JSON.
    const form = affordance.forms.find(
      (f) =>
        (f.op === undefined ? defaults : asList(f.op)).includes(op) &&
        (f.contentType ?? 'application/json') === 'application/json' &&
        (op === 'observeproperty' ? f.subprotocol === 'sse' : f.subprotocol === undefined),
    );
    if (!form)
      throw new TutelaError(
        'td_no_form',
        Rsc.NOT_IMPLEMENTED,
        `${what}: the TD offers no usable form`,
      );
    return {
      what,
      url: new URL(form.href, this.base),
      method: form['htv:methodName'] ?? METHOD[op],
      headers: this.http.authHeaders(this.td, form),
    };
  }
}
