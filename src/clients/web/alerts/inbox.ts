import { criticalityRank } from '../../../protocol/levels.js';
import type { AlertEventFrame, AlertFrame, AlertView } from '../api/alerts.js';

/**
 * The alert inbox's state, kept apart from React and the socket so the
 * merging can be unit tested (issue 5 item 6). Three sources feed it:
 *
 * - `GET /app/alerts` (the list, no sequence numbers),
 * - the live channel's `replay` frame (events after our cursor, highest CL
 *   first, then `upTo`, the next cursor),
 * - its `event` frames (one per event, `seq` increasing).
 *
 * The cursor is the highest `seq` applied (or the replay's `upTo`): an event
 * at or below it was already applied and is dropped, so reconnecting with
 * `after=<cursor>` loses nothing and doubles nothing. Each alert remembers the
 * `seq` of the event that last set it, so an older view never overwrites a
 * newer one (a replay is ordered by CL, not by time; the list may have been
 * asked for before an event that arrived first).
 */
export interface InboxState {
  /** Highest event seq applied; undefined until the channel has said where the log ends. */
  cursor: number | undefined;
  alerts: ReadonlyMap<string, { view: AlertView; seq: number }>;
}

export const emptyInbox: InboxState = { cursor: undefined, alerts: new Map() };

/** What applying frames did: the events that were new (to announce), the rest were doubles. */
export interface Applied {
  state: InboxState;
  fresh: AlertEventFrame[];
}

/** Applies the list of GET /app/alerts, asked for when the cursor was `asOf`. */
export function mergeList(s: InboxState, views: AlertView[], asOf: number | undefined): InboxState {
  const alerts = new Map(s.alerts);
  const at = asOf ?? 0;
  for (const v of views) {
    const old = alerts.get(v.id);
    // An event applied after the list was asked for is at least as new as the list's answer.
    if (old && old.seq > at) continue;
    alerts.set(v.id, { view: v, seq: Math.max(old?.seq ?? 0, at) });
  }
  return { ...s, alerts };
}

/** Applies one frame of the live channel. */
export function applyFrame(s: InboxState, f: AlertFrame): Applied {
  if (f.type === 'replay') {
    let state = s;
    const fresh: AlertEventFrame[] = [];
    for (const e of f.events) {
      const r = applyEvent(state, e);
      state = r.state;
      fresh.push(...r.fresh);
    }
    return { state: { ...state, cursor: Math.max(state.cursor ?? 0, f.upTo) }, fresh };
  }
  const r = applyEvent(s, f);
  // Live frames come in order: the cursor is the last one's seq.
  return { ...r, state: { ...r.state, cursor: Math.max(r.state.cursor ?? 0, f.seq) } };
}

function applyEvent(s: InboxState, e: AlertEventFrame): Applied {
  if (s.cursor !== undefined && e.seq <= s.cursor) return { state: s, fresh: [] };
  const alerts = new Map(s.alerts);
  const old = alerts.get(e.alert.id);
  if (!old || old.seq < e.seq) alerts.set(e.alert.id, { view: e.alert, seq: e.seq });
  // Inside a replay (ordered by CL, not seq) the cursor moves once, to its upTo, at the end.
  return { state: { cursor: s.cursor, alerts }, fresh: [e] };
}

/** An action's answer (acknowledge, escalate, resolve): the alert as it is now. */
export function applyAnswer(s: InboxState, v: AlertView): InboxState {
  const alerts = new Map(s.alerts);
  alerts.set(v.id, { view: v, seq: alerts.get(v.id)?.seq ?? s.cursor ?? 0 });
  return { ...s, alerts };
}

export const isOpen = (a: Pick<AlertView, 'state'>) => a.state !== 'resolved';

/** Open alerts first, then highest CL, then newest raised, then id (equal rows never swap). */
export function inboxOrder(alerts: Iterable<AlertView>): AlertView[] {
  return [...alerts].sort(
    (a, b) =>
      Number(isOpen(b)) - Number(isOpen(a)) ||
      criticalityRank(b.cl) - criticalityRank(a.cl) ||
      b.raisedAt - a.raisedAt ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * Open alerts routed to me: my role (in that patient's episode) is among the
 * roles the escalation chain has alerted so far. Both views carry `alerted`,
 * so this works at every level; the exact recipients (deliveries) are for
 * the care team's detail view only.
 */
export function routedToMe(
  alerts: Iterable<AlertView>,
  roleOf: (pt: string) => string | undefined,
): AlertView[] {
  return [...alerts].filter((a) => {
    const role = roleOf(a.pt);
    return isOpen(a) && role !== undefined && a.alerted.includes(role);
  });
}
