/**
 * Alert to the screen (issue 5 item 7, `pipeline.alertToScreenP99Ms`): a
 * responder's web app as the benchmark sees it. It holds the live alert
 * channel (GET /app/alerts/live over WebSocket, docs/alerts.md) and notes
 * when each `raised` event arrives; a doctor of every episode resolves each
 * alert the moment it is seen (POST /app/alerts/:id/resolve), so the
 * patient's next high tick raises a new alert instead of being folded into
 * the open one (de-duplication: one deterioration is one alert). After a
 * phase, `attributeRaised` works out which gateway tick raised which alert.
 */
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { WS_BEARER_PREFIX } from '../src/core/m2m/index.js';
import { nowMs } from './stats.js';

/** A `raised` event as the responder's socket got it, and when the doctor's resolve came back. */
export interface RaisedSeen {
  pt: string;
  alertId: string;
  /** Arrival on the responder's socket (ms, performance.timeOrigin + now). */
  arrivedAt: number;
  /**
   * The event's own `at`: the server's clock when the engine began to raise
   * it, after the pipeline had processed the tick (ms since the epoch; the
   * same clock as arrivedAt on one machine, to within a millisecond).
   */
  eventAt: number;
  /** When the resolve was answered 2xx; undefined while under way or if it failed. */
  resolvedAt?: number;
}

export interface AlertScreen {
  /** Every high `raised` event seen so far, in arrival order. */
  raised: RaisedSeen[];
  /** Events of other kinds (routed, resolved…) and frames that were not events. */
  otherEvents: number;
  resolveFailures: number;
  firstResolveError?: string;
  /** Waits for the resolves under way. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

interface LiveFrame {
  type?: string;
  kind?: string;
  at?: number;
  alert?: { id?: string; pt?: string; cl?: string };
}

/** The live channel of `token`'s holder; resolves each high `raised` event with `resolverToken`. */
export async function startAlertScreen(opts: {
  baseUrl: string;
  token: string;
  resolverToken: string;
}): Promise<AlertScreen> {
  const agent = new Agent({ connections: 4, keepAliveTimeout: 30_000 });
  const pending = new Set<Promise<void>>();
  const screen = {
    raised: [] as RaisedSeen[],
    otherEvents: 0,
    resolveFailures: 0,
    firstResolveError: undefined as string | undefined,
  };
  const resolve = async (seen: RaisedSeen) => {
    try {
      const res = await request(`${opts.baseUrl}/app/alerts/${seen.alertId}/resolve`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: `Bearer ${opts.resolverToken}` },
      });
      const body = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) seen.resolvedAt = nowMs();
      else throw new Error(`HTTP ${res.statusCode} ${body.slice(0, 200)}`);
    } catch (err) {
      screen.resolveFailures++;
      screen.firstResolveError ??= (err as Error).message;
    }
  };
  const ws = new WebSocket(
    `${opts.baseUrl.replace(/^http/, 'ws')}/app/alerts/live`,
    ['tutela.alerts.v1', `${WS_BEARER_PREFIX}${opts.token}`],
    { perMessageDeflate: false },
  );
  ws.on('message', (data) => {
    const arrivedAt = nowMs();
    let frame: LiveFrame;
    try {
      frame = JSON.parse(String(data)) as LiveFrame;
    } catch {
      screen.otherEvents++;
      return;
    }
    const a = frame.alert;
    if (frame.type !== 'event' || frame.kind !== 'raised' || a?.cl !== 'high' || !a.id || !a.pt) {
      screen.otherEvents++;
      return;
    }
    const seen: RaisedSeen = { pt: a.pt, alertId: a.id, arrivedAt, eventAt: frame.at ?? NaN };
    screen.raised.push(seen);
    const p = resolve(seen);
    pending.add(p);
    void p.finally(() => pending.delete(p));
  });
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
    ws.once('unexpected-response', (_req, r) =>
      rej(new Error(`alert live channel refused: HTTP ${r.statusCode}`)),
    );
  });
  return Object.assign(screen, {
    settle: async () => {
      await Promise.all([...pending]);
    },
    close: async () => {
      ws.close();
      await agent.close();
    },
  });
}

/** A high tick a gateway sent: its patient and the time it was due (ms, as sentAt). */
export interface AlertTick {
  src: string;
  pt: string;
  due: number;
}

/**
 * A bound on how long the platform takes to process a tick (twice the
 * pipeline's latency ceiling; at a sustained load every tick is notified
 * well within 1 s): a tick due more than this before the engine raised an
 * alert did not raise it, and one due this long before a resolve was
 * processed by then.
 */
export const RESYNC_MS = 2000;

export interface Attributed {
  src: string;
  pt: string;
  /** Tick due → `raised` event on the responder's socket (ms). */
  ms: number;
  /** Of which: tick due → the engine raising it (event `at`), and from there to the socket (ms). */
  toRaiseMs: number;
  pushMs: number;
}

/**
 * Which tick raised which alert. Per patient, ticks are processed in order
 * (the gateway sends one at a time), and while an alert is open the
 * patient's high ticks are folded into it. Once the resolve of the previous
 * alert was answered at r, the next alert is raised by the first high tick
 * processed after r. Ticks known to be processed before r (up to the one
 * that raised the previous alert) cannot have raised it; a tick due after r
 * is processed after r. So the next `raised` event belongs to:
 * - the first high tick due after r, if no other tick was due between the
 *   previous raiser and r (such a tick might have been folded into the open
 *   alert, or might have raised the new one); or else
 * - the only high tick that could have raised it, if there is just one;
 * otherwise it is not measured ("unknown"). A tick due more than RESYNC_MS
 * before the event's `at` is not a possible raiser. After an unknown event,
 * ticks up to its earliest possible raiser, and those due RESYNC_MS before
 * its resolve, count as processed. An event whose resolve failed leaves the
 * patient's alert open for an unknown time: the next one is known only if
 * one tick alone could have raised it. Returns the known ones and how many
 * events were left out.
 */
export function attributeRaised(
  ticks: readonly AlertTick[],
  raised: readonly RaisedSeen[],
): { known: Attributed[]; unknown: number } {
  const byPt = new Map<string, AlertTick[]>();
  for (const t of ticks) {
    const list = byPt.get(t.pt) ?? [];
    list.push(t);
    byPt.set(t.pt, list);
  }
  for (const list of byPt.values()) list.sort((a, b) => a.due - b.due);
  // resolvedAt: when the previous alert was known closed; doneUpTo: ticks due up to it were processed before.
  const state = new Map<string, { resolvedAt: number; doneUpTo: number }>();
  const known: Attributed[] = [];
  let unknown = 0;
  for (const e of [...raised].sort((a, b) => a.arrivedAt - b.arrivedAt)) {
    const s = state.get(e.pt) ?? { resolvedAt: -Infinity, doneUpTo: -Infinity };
    const earliest = Number.isFinite(e.eventAt) ? e.eventAt - RESYNC_MS : -Infinity;
    const possible = (byPt.get(e.pt) ?? []).filter(
      (t) => t.due > s.doneUpTo && t.due >= earliest && t.due <= e.arrivedAt,
    );
    const uncertain = possible.some((t) => t.due <= s.resolvedAt);
    const tick = !uncertain || possible.length === 1 ? possible[0] : undefined;
    if (tick)
      known.push({
        src: tick.src,
        pt: e.pt,
        ms: e.arrivedAt - tick.due,
        toRaiseMs: e.eventAt - tick.due,
        pushMs: e.arrivedAt - e.eventAt,
      });
    else unknown++;
    const resolvedAt = e.resolvedAt ?? Infinity;
    state.set(e.pt, {
      resolvedAt,
      doneUpTo: tick
        ? tick.due
        : Math.max(
            possible[0]?.due ?? s.doneUpTo,
            e.resolvedAt === undefined ? -Infinity : e.resolvedAt - RESYNC_MS,
          ),
    });
  }
  return { known, unknown };
}
