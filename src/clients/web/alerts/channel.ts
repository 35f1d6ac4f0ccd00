import { WS_BEARER_PREFIX } from '../../../core/m2m/ws-bearer.js';
import {
  alertsApi,
  type AlertAction,
  type AlertEventFrame,
  type AlertFrame,
  type AlertView,
} from '../api/alerts.js';
import type { Api } from '../session/api.js';
import {
  applyAnswer,
  applyFrame,
  emptyInbox,
  inboxOrder,
  mergeList,
  type InboxState,
} from './inbox.js';

export type ChannelStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

/** The part of a browser WebSocket the inbox uses (a fake one in the unit tests). */
export interface SocketLike {
  onopen: (() => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: (() => void) | null;
  readonly readyState: number;
  send(data: string): void;
  close(): void;
}

export interface Snapshot {
  alerts: AlertView[];
  status: ChannelStatus;
  /** The list could not be loaded (in words); the live channel may still work. */
  error?: string;
  loaded: boolean;
}

export interface InboxOptions {
  api: Api;
  token: () => string | undefined;
  /** e.g. `wss://host/app/alerts/live`. */
  url: string;
  socket?: (url: string, protocols: string[]) => SocketLike;
  /** Each event that arrived after the first load (to announce). */
  onFresh?: (e: AlertEventFrame) => void;
  describe?: (err: unknown) => string;
  setTimer?: (f: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

/**
 * The signed-in person's alerts, live (docs/alerts.md, "Live delivery"):
 * one WebSocket to /app/alerts/live shared by the header's count and the
 * inbox page. It connects first (without a cursor, the server says where the
 * log ends), then loads GET /app/alerts, so no event falls between the two.
 * On a close it reconnects with a growing pause (0.5 s doubling to 30 s) and
 * `after=<cursor>`: the replay brings exactly what was missed. The cursor is
 * in memory only: a new page load starts from the list again.
 */
export class AlertInbox {
  private state: InboxState = emptyInbox;
  private status: ChannelStatus = 'connecting';
  private error: string | undefined;
  private loaded = false;
  private snap: Snapshot | undefined;
  private ws: SocketLike | undefined;
  private stopped = false;
  private pauseMs = 500;
  private timer: unknown;
  private readonly listeners = new Set<() => void>();
  /** Alerts on screen now (a count per card showing it), and those told on this connection. */
  private readonly shown = new Map<string, number>();
  private readonly seenSent = new Set<string>();
  private readonly api: ReturnType<typeof alertsApi>;

  constructor(private readonly o: InboxOptions) {
    this.api = alertsApi(o.api);
  }

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) (this.o.clearTimer ?? clearTimeout)(this.timer as never);
    this.ws?.close();
    this.setStatus('closed');
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  snapshot = (): Snapshot =>
    (this.snap ??= {
      alerts: inboxOrder([...this.state.alerts.values()].map((a) => a.view)),
      status: this.status,
      ...(this.error ? { error: this.error } : {}),
      loaded: this.loaded,
    });

  /** The cursor kept for the next reconnection (tests, and the page's data attribute). */
  get cursor(): number | undefined {
    return this.state.cursor;
  }

  /**
   * An alert is on screen: the person's delivery becomes `seen`. Said once
   * per connection, and again on the next one (the channel may have been
   * down when it was shown); returns what to call when it leaves the screen.
   */
  seen(id: string): () => void {
    this.shown.set(id, (this.shown.get(id) ?? 0) + 1);
    this.tellSeen();
    return () => {
      const n = (this.shown.get(id) ?? 1) - 1;
      if (n > 0) this.shown.set(id, n);
      else this.shown.delete(id);
    };
  }

  private tellSeen(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== 1) return;
    for (const id of this.shown.keys())
      if (!this.seenSent.has(id)) {
        this.seenSent.add(id);
        ws.send(JSON.stringify({ seen: id }));
      }
  }

  /** Acknowledge, escalate or resolve; throws the server's refusal (ApiError). */
  async act(id: string, action: AlertAction): Promise<AlertView> {
    const v = await this.api.act(id, action);
    this.update(applyAnswer(this.state, v));
    return v;
  }

  /** Loads the list again (after a failure). */
  reload(): Promise<void> {
    return this.load();
  }

  private connect(): void {
    const after = this.state.cursor;
    const q = after === undefined ? '' : `?after=${after}`;
    const t = this.o.token();
    const protocols = ['tutela.alerts.v1', ...(t ? [`${WS_BEARER_PREFIX}${t}`] : [])];
    const make = this.o.socket ?? ((u, p) => new WebSocket(u, p) as unknown as SocketLike);
    const ws = make(`${this.o.url}${q}`, protocols);
    this.ws = ws;
    this.setStatus(this.loaded || after !== undefined ? 'reconnecting' : 'connecting');
    ws.onopen = () => {
      this.pauseMs = 500;
      this.tellSeen();
    };
    ws.onmessage = (ev) => {
      let f: AlertFrame;
      try {
        f = JSON.parse(String(ev.data)) as AlertFrame;
      } catch {
        return;
      }
      if (f.type !== 'replay' && f.type !== 'event') return;
      const first = this.state.cursor === undefined;
      const r = applyFrame(this.state, f);
      this.update(r.state);
      if (f.type === 'replay') {
        this.setStatus('live');
        // Over 1,000 events waiting: the rest comes with the next connection.
        if (f.more) return void ws.close();
        if (first) void this.load();
      }
      if (this.loaded) for (const e of r.fresh) this.o.onFresh?.(e);
    };
    ws.onclose = () => {
      if (this.stopped || this.ws !== ws) return;
      this.setStatus('reconnecting');
      this.seenSent.clear(); // the next socket says again what is on screen
      this.timer = (this.o.setTimer ?? setTimeout)(() => this.connect(), this.pauseMs);
      this.pauseMs = Math.min(30_000, this.pauseMs * 2);
    };
  }

  private async load(): Promise<void> {
    const asOf = this.state.cursor;
    try {
      const list = await this.api.list();
      this.error = undefined;
      this.loaded = true;
      this.update(mergeList(this.state, list, asOf));
    } catch (err) {
      this.error = (this.o.describe ?? String)(err);
      this.update(this.state);
    }
  }

  private update(s: InboxState): void {
    this.state = s;
    this.snap = undefined;
    this.listeners.forEach((l) => l());
  }

  private setStatus(s: ChannelStatus): void {
    if (s === this.status) return;
    this.status = s;
    this.snap = undefined;
    this.listeners.forEach((l) => l());
  }
}
