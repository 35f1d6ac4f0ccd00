import { describe, expect, it } from 'vitest';
import type { AlertView } from '../api/alerts.js';
import { ev, full, minimal } from './testing.js';
import { applyAnswer, applyFrame, emptyInbox, inboxOrder, mergeList, routedToMe } from './inbox.js';

const states = (s: { alerts: ReadonlyMap<string, { view: AlertView }> }) =>
  Object.fromEntries([...s.alerts].map(([id, a]) => [id, a.view.state]));

describe('the alert inbox state', () => {
  it('orders open alerts first, then by criticality, then newest raised, then id', () => {
    const order = inboxOrder([
      full('al-a', { cl: 'high', state: 'resolved', raisedAt: 9000 }),
      full('al-b', { cl: 'low-medium', raisedAt: 5000 }),
      full('al-c', { cl: 'high', raisedAt: 2000 }),
      minimal('al-d', { cl: 'medium', state: 'acknowledged' }),
      full('al-e', { cl: 'high', raisedAt: 3000 }),
      full('al-f', { cl: 'high', raisedAt: 3000, state: 'escalated' }),
    ]).map((a) => a.id);
    expect(order).toEqual(['al-e', 'al-f', 'al-c', 'al-d', 'al-b', 'al-a']);
  });

  it('takes the cursor from the replay, and drops events at or below it (no doubles)', () => {
    let s = applyFrame(emptyInbox, { type: 'replay', events: [], upTo: 7, more: false }).state;
    expect(s.cursor).toBe(7);
    // An event the replay covered, sent again: dropped, not announced.
    const dup = applyFrame(s, ev(7, full('al-1')));
    expect(dup.fresh).toEqual([]);
    expect(dup.state.alerts.size).toBe(0);
    const r = applyFrame(s, ev(8, full('al-1')));
    expect(r.fresh.map((e) => e.seq)).toEqual([8]);
    s = r.state;
    expect(s.cursor).toBe(8);
    s = applyFrame(s, ev(9, full('al-1', { state: 'acknowledged' }), 'acknowledged')).state;
    expect(states(s)).toEqual({ 'al-1': 'acknowledged' });
    expect(s.cursor).toBe(9);
  });

  it('applies a reconnection replay ordered by CL, keeping each alert’s newest view, cursor = upTo', () => {
    let s = applyFrame(emptyInbox, { type: 'replay', events: [], upTo: 10, more: false }).state;
    s = applyFrame(s, ev(11, full('al-low', { cl: 'low-medium' }))).state;
    // Offline from 11 on: 12..15 happened; the replay after=11 brings high ones first.
    const replay = applyFrame(s, {
      type: 'replay',
      upTo: 15,
      more: false,
      events: [
        ev(12, full('al-hi')),
        ev(14, full('al-hi', { state: 'acknowledged', acknowledgedBy: 'doctor' }), 'acknowledged'),
        ev(13, full('al-low', { cl: 'low-medium', state: 'escalated' }), 'escalated'),
        ev(15, full('al-low', { cl: 'low-medium', state: 'resolved' }), 'resolved'),
      ],
    });
    expect(replay.state.cursor).toBe(15);
    expect(states(replay.state)).toEqual({ 'al-low': 'resolved', 'al-hi': 'acknowledged' });
    expect(replay.fresh.map((e) => e.seq)).toEqual([12, 14, 13, 15]);
    // The same replay again (a reconnection that raced): nothing new, nothing doubled.
    const again = applyFrame(replay.state, {
      type: 'replay',
      upTo: 15,
      more: false,
      events: [ev(14, full('al-hi', { state: 'raised' }))],
    });
    expect(again.fresh).toEqual([]);
    expect(states(again.state)).toEqual(states(replay.state));
  });

  it('never lets an older view overwrite a newer one of the same alert', () => {
    let s = applyFrame(emptyInbox, { type: 'replay', events: [], upTo: 3, more: false }).state;
    s = applyFrame(s, {
      type: 'replay',
      upTo: 6,
      more: false,
      events: [ev(6, full('al-1', { state: 'resolved' })), ev(5, full('al-1'))],
    }).state;
    expect(states(s)).toEqual({ 'al-1': 'resolved' });
  });

  it('merges the list: it fills in what no later event touched', () => {
    let s = applyFrame(emptyInbox, { type: 'replay', events: [], upTo: 20, more: false }).state;
    // While the list was on its way, al-1 was acknowledged (event 21).
    s = applyFrame(s, ev(21, full('al-1', { state: 'acknowledged' }), 'acknowledged')).state;
    s = mergeList(s, [full('al-1'), minimal('al-2')], 20);
    expect(states(s)).toEqual({ 'al-1': 'acknowledged', 'al-2': 'raised' });
    // A later event still moves al-2 on; an event the list already covered does not.
    s = applyFrame(s, ev(22, minimal('al-2', { state: 'resolved' }), 'resolved')).state;
    expect(states(s)['al-2']).toBe('resolved');
  });

  it('takes an action’s answer as the alert’s state, until a newer event', () => {
    let s = applyFrame(emptyInbox, {
      type: 'replay',
      events: [ev(1, full('al-1'))],
      upTo: 1,
      more: false,
    }).state;
    s = applyAnswer(s, full('al-1', { state: 'acknowledged' }));
    expect(states(s)).toEqual({ 'al-1': 'acknowledged' });
    s = applyFrame(s, ev(2, full('al-1', { state: 'resolved' }), 'resolved')).state;
    expect(states(s)).toEqual({ 'al-1': 'resolved' });
  });

  it('counts open alerts whose alerted roles include mine in that patient’s episode', () => {
    const alerts = [
      full('al-1', { pt: 'pt-1', alerted: ['responder', 'doctor'] }),
      full('al-2', { pt: 'pt-2', alerted: ['nurse'] }),
      full('al-3', { pt: 'pt-1', alerted: ['doctor'], state: 'resolved' }),
      minimal('al-4', { pt: 'pt-3', alerted: ['doctor'] }),
    ];
    const role = (m: Record<string, string>) => (pt: string) => m[pt];
    expect(
      routedToMe(alerts, role({ 'pt-1': 'doctor', 'pt-2': 'doctor' })).map((a) => a.id),
    ).toEqual(['al-1']);
    expect(routedToMe(alerts, role({ 'pt-1': 'nurse', 'pt-2': 'nurse' })).map((a) => a.id)).toEqual(
      ['al-2'],
    );
    expect(routedToMe(alerts, role({ 'pt-3': 'doctor' })).map((a) => a.id)).toEqual(['al-4']);
    expect(routedToMe(alerts, role({}))).toEqual([]);
  });
});
