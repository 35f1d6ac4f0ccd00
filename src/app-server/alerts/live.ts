import type { WebSocket } from 'ws';
import type { Logger } from '../../core/log.js';
import { criticalityRank } from '../../protocol/levels.js';
import type { User } from '../directory/directory.js';
import type { AlertAudience } from './audience.js';
import type { Alert, AlertEvent } from './model.js';
import type { AlertReader } from './reader.js';
import { alertView, seesFinding } from './view.js';

/** At most this many events in one replay frame; `more: true` says reconnect with after=upTo. */
const REPLAY_MAX = 1000;

interface Client {
  user: User;
  ws: WebSocket;
  /** Until the replay frame is out, live events wait here (then only those after it are sent). */
  pending: Array<{ seq: number; frame: string; alertId: string }> | null;
  upTo: number;
}

/**
 * Live in-app delivery of alert events (issue 5 item 6). A client connects
 * with the last `seq` it saw (`after`); it first gets one `replay` frame
 * with every event of its patients after that, highest CL first, and
 * `upTo`, its next cursor; then each new event as an `event` frame the
 * moment it is durable (nothing is batched or queued behind other work).
 * Because the replay is one frame and live events wait until it is out,
 * a client that reconnects with its cursor gets every event exactly once.
 * A delivery is marked `delivered` when pushed to its recipient, `seen` when
 * the client says `{"seen": "<alert id>"}`.
 */
export class AlertLive {
  private readonly clients = new Set<Client>();
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly o: {
      reader: AlertReader;
      audience: AlertAudience;
      log: Logger;
      now?: () => number;
    },
  ) {}

  /** A socket of an authenticated user; `after` undefined: only what happens from now on. */
  async attach(user: User, ws: WebSocket, after: number | undefined): Promise<void> {
    const client: Client = { user, ws, pending: [], upTo: 0 };
    this.clients.add(client);
    ws.on('close', () => this.clients.delete(client));
    ws.on('error', () => ws.terminate());
    // The only message a client sends: `{"seen": "<alert id>"}` when the person has looked at it.
    // It moves only the sender's own delivery (recipient = the signed-in user).
    ws.on('message', (data) => {
      const id = seenId(data.toString());
      if (id)
        void this.o.reader
          .markDelivery(id, user.id, 'seen', (this.o.now ?? Date.now)())
          .catch((err: unknown) => this.o.log.warn({ err }, 'delivery not marked seen'));
    });
    try {
      const hearing = await this.o.audience.patientsOf(user);
      const al = new Map(hearing.map((h) => [h.pt, h.al]));
      const last = await this.o.reader.lastSeq();
      const events =
        after === undefined
          ? []
          : await this.o.reader.eventsAfter([...al.keys()], after, REPLAY_MAX + 1);
      const more = events.length > REPLAY_MAX;
      if (more) events.length = REPLAY_MAX;
      const upTo = more ? events[events.length - 1]!.seq : Math.max(after ?? 0, last);
      const out: Array<{ e: AlertEvent; a: Alert; frame: object }> = [];
      for (const e of events) {
        const a = await this.alert(e.alertId);
        if (a) out.push({ e, a, frame: await this.frame(e, a, al.get(e.pt) ?? null) });
      }
      out.sort((x, y) => criticalityRank(y.a.cl) - criticalityRank(x.a.cl) || x.e.seq - y.e.seq);
      ws.send(JSON.stringify({ type: 'replay', events: out.map((o) => o.frame), upTo, more }));
      for (const a of new Set(out.map((o) => o.a.id))) await this.delivered(a, user.id);
      client.upTo = upTo;
      const waiting = client.pending ?? [];
      client.pending = null;
      for (const p of waiting) if (p.seq > upTo) await this.send(client, p.frame, p.alertId);
    } catch (err) {
      this.o.log.error({ err, user: user.id }, 'alert replay failed');
      ws.close(1011, 'replay failed');
    }
  }

  /** An event just became durable (AlertEngine's onEvent): pushed in order of occurrence. */
  publish(e: AlertEvent, a: Alert): void {
    this.chain = this.chain
      .then(() => this.push(e, a))
      .catch((err: unknown) => this.o.log.error({ err, alert: a.id }, 'alert event not pushed'));
  }

  /** Waits for pushes under way (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  close(): void {
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
  }

  private async push(e: AlertEvent, a: Alert): Promise<void> {
    if (this.clients.size === 0) return;
    const audience = new Map((await this.o.audience.of(e.pt)).map((m) => [m.user, m.al]));
    // A frame depends on the reader's level only: built (and its text opened) once per level.
    const frames = new Map<string, string>();
    // Only those the alert was routed to have a delivery to mark.
    const recipients = new Set(
      (await this.o.reader.deliveries(a.id))
        .filter((d) => d.channel === 'in-app')
        .map((d) => d.recipient),
    );
    for (const c of this.clients) {
      if (!audience.has(c.user.id)) continue;
      const al = audience.get(c.user.id) ?? null;
      let frame = frames.get(String(al));
      if (frame === undefined)
        frames.set(String(al), (frame = JSON.stringify(await this.frame(e, a, al))));
      if (c.pending) c.pending.push({ seq: e.seq, frame, alertId: a.id });
      // Not awaited: a socket that drains slowly delays no one else's alert (each socket keeps
      // its own frames in order; its delivery is marked when its write completes).
      else if (e.seq > c.upTo)
        this.send(c, frame, a.id, recipients.has(c.user.id)).catch((err: unknown) =>
          this.o.log.warn({ err, alert: a.id }, 'delivery not marked'),
        );
    }
  }

  /** Sends one frame; the recipient's delivery is `delivered` once written, `failed` if not. */
  private async send(c: Client, frame: string, alertId: string, mark = true): Promise<void> {
    const err = await new Promise<Error | undefined>((r) => c.ws.send(frame, (e) => r(e)));
    if (!mark) return;
    const now = (this.o.now ?? Date.now)();
    await (err
      ? this.o.reader.markDelivery(alertId, c.user.id, 'failed', now, 'channel closed')
      : this.delivered(alertId, c.user.id));
  }

  private async frame(e: AlertEvent, a: Alert, al: Parameters<typeof alertView>[0]) {
    const full = seesFinding(al);
    const facts = await this.o.reader.facts(a, full);
    return {
      type: 'event',
      seq: e.seq,
      kind: e.kind,
      at: e.at,
      ...(full ? { actor: e.actor } : {}),
      alert: alertView(al, facts),
    };
  }

  private alert(id: string) {
    return this.o.reader.get(id);
  }

  private delivered(alertId: string, user: string) {
    return this.o.reader.markDelivery(alertId, user, 'delivered', (this.o.now ?? Date.now)());
  }
}

function seenId(text: string): string | undefined {
  try {
    const msg = JSON.parse(text) as { seen?: unknown };
    return typeof msg.seen === 'string' && /^al-[a-z0-9]{1,64}$/.test(msg.seen)
      ? msg.seen
      : undefined;
  } catch {
    return undefined;
  }
}
