import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { Rsc, TutelaError } from '../../core/errors.js';
import { M2MClient, WS_BEARER_PREFIX } from '../../core/m2m/index.js';
import { toBase64url } from '../../crypto/encoding.js';
import { unwrapKey, type HpkeKeyPair } from '../../crypto/hpke.js';
import { loadOrCreateKeyFile } from '../../crypto/key-file.js';
import { openVersion } from '../../crypto/versions.js';
import {
  SealedVersionSchema,
  WrappedKeySchema,
  type SealedVersion,
} from '../../protocol/envelope.js';
import type { Confidentiality } from '../../protocol/levels.js';

export interface Me {
  id: string;
  role: string;
  al: Confidentiality;
  ae: string;
  /** versions / alerts: null where this person reads no version (admin, dpo) or hears no alert. */
  patients: Array<{ pt: string; versions: string | null; alerts: string | null }>;
}

export interface SessionOptions {
  /** The platform's base URL, e.g. https://127.0.0.1:8443 */
  baseUrl: string;
  /**
   * The bearer token for /app and the CSE: an access token of the platform's
   * provider, asked for before each use so its source can refresh it (the
   * CLI's login tokens), or an interim API token.
   */
  token: string | (() => Promise<string>);
  /** CA to trust (PEM), e.g. the platform's local CA. */
  ca?: string | undefined;
  /** Where this client keeps its device key and state (per user). */
  stateDir: string;
}

export interface OpenedVersion {
  sealed: SealedVersion;
  content: unknown;
}

/**
 * A caregiver's client: it keeps its own device key pair (made here, never
 * sent anywhere), registers the public half with the key service, receives
 * notifications on the CSE's WebSocket channel as its AE, and opens the
 * versions it may read with data keys released to its device key. Nothing
 * is decrypted anywhere but here.
 */
export class CaregiverSession {
  private readonly agent: Agent;
  private readonly keys = new Map<string, Uint8Array>();
  private deviceKey: HpkeKeyPair | undefined;
  private device: string | undefined;
  private ws: WebSocket | undefined;
  private closing = false;
  private reconnect: NodeJS.Timeout | undefined;
  me: Me | undefined;

  constructor(private readonly opts: SessionOptions) {
    this.agent = new Agent(opts.ca ? { connect: { ca: opts.ca } } : {});
    mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  }

  /** Signs in: who am I, which patients; makes and registers the device key the first time. */
  async start(): Promise<Me> {
    this.me = (await this.api('GET', '/app/me')) as Me;
    this.deviceKey = await loadOrCreateKeyFile(join(this.opts.stateDir, 'device.key'));
    const stateFile = join(this.opts.stateDir, 'device.json');
    const saved = existsSync(stateFile)
      ? (JSON.parse(readFileSync(stateFile, 'utf8')) as { device?: string })
      : {};
    if (saved.device) this.device = saved.device;
    else {
      const res = (await this.api('POST', '/app/devices', {
        publicKey: toBase64url(this.deviceKey.publicRaw),
      })) as { device: string };
      this.device = res.device;
      writeFileSync(stateFile, JSON.stringify({ device: this.device }), { mode: 0o600 });
    }
    const cse = this.cseClient(this.me.ae);
    try {
      await cse.registerAe(`/${this.cseRn()}`, `u-${this.me.id}`);
    } finally {
      await cse.close();
    }
    return this.me;
  }

  /**
   * Opens the notification channel; `onVersion` gets every version notified,
   * opened, with the kind of subscription it came through. If the channel
   * drops (the platform restarts, the network fails) it reconnects with a
   * growing pause; notifications sent meanwhile wait in the CSE's outbox and
   * arrive on reconnection. Resolves once the first connection is open.
   */
  async listen(
    onVersion: (v: OpenedVersion, via: 'all' | 'alerts') => void,
    onProblem: (msg: string) => void,
  ): Promise<void> {
    const me = this.requireMe();
    const wsUrl = `${this.opts.baseUrl.replace(/^http/, 'ws')}/ws?ae=${encodeURIComponent(me.ae)}`;
    let pauseMs = 500;
    const connect = async () => {
      // The CSE checks the token against the AE before upgrading (docs/cse.md, Authentication).
      const protocols = ['oneM2M.json', `${WS_BEARER_PREFIX}${await this.token()}`];
      if (this.closing) return;
      return new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(wsUrl, protocols, this.opts.ca ? { ca: this.opts.ca } : {});
        this.ws = ws;
        ws.on('message', (data) => this.notified(ws, String(data), onVersion, onProblem));
        ws.on('open', () => {
          pauseMs = 500;
          resolve();
        });
        ws.on('unexpected-response', (_req, res) =>
          ws.emit('error', new Error(`notification channel refused: HTTP ${res.statusCode}`)),
        );
        ws.on('error', (err) => reject(err));
        ws.on('close', () => {
          if (this.closing) return;
          onProblem(`notification channel closed; reconnecting in ${pauseMs / 1000} s`);
          this.reconnect = setTimeout(() => {
            connect().catch((err: unknown) => {
              onProblem(`reconnecting failed: ${(err as Error).message}`);
              ws.emit('close');
            });
          }, pauseMs).unref();
          pauseMs = Math.min(30_000, pauseMs * 2);
        });
      });
    };
    await connect();
  }

  private notified(
    ws: WebSocket,
    data: string,
    onVersion: (v: OpenedVersion, via: 'all' | 'alerts') => void,
    onProblem: (msg: string) => void,
  ): void {
    let msg: {
      rqi?: string;
      pc?: {
        'm2m:sgn'?: { sur?: string; nev?: { rep?: Record<string, { con?: unknown }> } };
      };
    };
    try {
      msg = JSON.parse(data) as typeof msg;
    } catch {
      return onProblem('a notification was not JSON');
    }
    if (msg.rqi) ws.send(JSON.stringify({ rsc: Rsc.OK, rqi: msg.rqi }));
    const sgn = msg.pc?.['m2m:sgn'];
    const con = sgn?.nev?.rep?.['m2m:cin']?.con;
    if (typeof con !== 'string') return;
    // The subscription reference says which container it watches (…/alert-<k>/sub-… or …/rl-<k>/…).
    const via = /\/alert-[A-Z]\//.test(sgn?.sur ?? '') ? 'alerts' : 'all';
    this.open(con).then(
      (v) => onVersion(v, via),
      (err: unknown) => onProblem((err as Error).message),
    );
  }

  /** Asks the application server to subscribe this AE to a patient's versions or alerts. */
  async subscribe(pt: string, kind: 'all' | 'alerts'): Promise<string> {
    const res = (await this.api('POST', '/app/subscriptions', { pt, kind })) as {
      container: string;
    };
    return res.container;
  }

  /** The newest version (or alert) of a patient this user may read, opened (undefined if none yet). */
  async latest(pt: string, kind: 'all' | 'alerts' = 'all'): Promise<OpenedVersion | undefined> {
    const me = this.requireMe();
    const p = me.patients.find((x) => x.pt === pt);
    if (!p)
      throw new TutelaError('not_in_episode', Rsc.NOT_FOUND, `${pt} is not one of your patients`);
    const container = kind === 'alerts' ? p.alerts : p.versions;
    if (!container) return undefined;
    const cse = this.cseClient(me.ae);
    try {
      const res = await cse.request('GET', `${container}/la`);
      if (res.rsc === Rsc.NOT_FOUND) return undefined;
      const con = (res.body['m2m:cin'] as { con?: unknown } | undefined)?.con;
      if (res.rsc !== Rsc.OK || typeof con !== 'string')
        throw new TutelaError(
          'cse_request_failed',
          res.rsc || Rsc.INTERNAL_SERVER_ERROR,
          `latest version of ${pt}: CSE answered ${res.rsc}`,
        );
      return await this.open(con);
    } finally {
      await cse.close();
    }
  }

  /** Opens a sealed version: fetches (once) the data key released to this device, decrypts here. */
  async open(con: string): Promise<OpenedVersion> {
    const sealed: unknown = JSON.parse(con);
    if (!Value.Check(SealedVersionSchema, sealed))
      throw new TutelaError(
        'bad_version',
        Rsc.BAD_REQUEST,
        'a notified version is not a sealed version',
      );
    const cacheKey = `${sealed.pt}|${sealed.rl}|${sealed.epoch}`;
    let key = this.keys.get(cacheKey);
    if (!key) {
      const wrapped = await this.api('POST', '/app/keys', {
        pt: sealed.pt,
        rl: sealed.rl,
        epoch: sealed.epoch,
        device: this.device,
      });
      if (!Value.Check(WrappedKeySchema, wrapped))
        throw new TutelaError(
          'bad_key',
          Rsc.BAD_REQUEST,
          'the key service answered with something that is not a wrapped key',
        );
      key = await unwrapKey(wrapped, this.deviceKey!);
      this.keys.set(cacheKey, key);
    }
    return { sealed, content: openVersion(key, sealed) };
  }

  async close(): Promise<void> {
    this.closing = true;
    // A reconnection still to come would open a channel no one closes.
    clearTimeout(this.reconnect);
    this.ws?.close();
    for (const k of this.keys.values()) k.fill(0);
    this.keys.clear();
    await this.agent.close();
  }

  private cseRn(): string {
    // The version paths the application server gives start with the CSEBase name.
    return (
      this.requireMe()
        .patients.find((p) => p.versions)
        ?.versions?.split('/')[1] ?? 'cse-in'
    );
  }

  private requireMe(): Me {
    if (!this.me) throw new TutelaError('not_started', Rsc.BAD_REQUEST, 'call start() first');
    return this.me;
  }

  private token(): Promise<string> {
    const t = this.opts.token;
    return typeof t === 'string' ? Promise.resolve(t) : t();
  }

  /** A client of the CSE as this person's AE, with their token on every request. */
  private cseClient(ae: string): M2MClient {
    return new M2MClient({
      baseUrl: this.opts.baseUrl,
      origin: ae,
      ca: this.opts.ca,
      accessToken: () => this.token(),
    });
  }

  private async api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const res = await request(new URL(path, this.opts.baseUrl), {
      method,
      dispatcher: this.agent,
      headers: {
        authorization: `Bearer ${await this.token()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (res.statusCode >= 300) {
      const { error, message } = parsed as { error?: string; message?: string };
      throw new TutelaError(
        error ?? 'api_error',
        res.statusCode === 401
          ? Rsc.ORIGINATOR_HAS_NOT_REGISTERED
          : Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
        `${method} ${path}: ${res.statusCode} ${message ?? ''}`.trim(),
      );
    }
    return parsed;
  }
}
