import { describe, expect, it } from 'vitest';
import type { AlertView } from '../api/alerts.js';
import { ev, full as view } from './testing.js';
import { ApiError, type Api } from '../session/api.js';
import { AlertInbox, type SocketLike } from './channel.js';

class FakeSocket implements SocketLike {
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  readyState = 0;
  sent: string[] = [];
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  frame(f: unknown) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  send(d: string) {
    this.sent.push(d);
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
}

function setup(list: () => AlertView[]) {
  const sockets: FakeSocket[] = [];
  const timers: Array<() => void> = [];
  const fresh: number[] = [];
  const calls: string[] = [];
  const api: Api = async <T>(method: string, path: string) => {
    calls.push(`${method} ${path}`);
    if (path === '/app/alerts') return { alerts: list() } as T;
    if (path.endsWith('/acknowledge'))
      throw new ApiError(409, 'already_acknowledged', 'al-1 is acknowledged already');
    throw new Error(`unexpected ${path}`);
  };
  const inbox = new AlertInbox({
    api,
    url: 'wss://h/app/alerts/live',
    token: () => 'tok',
    socket: (u, p) => {
      const s = new FakeSocket(u, p);
      sockets.push(s);
      return s;
    },
    onFresh: (e) => fresh.push(e.seq),
    setTimer: (f) => timers.push(f),
    clearTimer: () => undefined,
  });
  return { inbox, sockets, timers, fresh, calls };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('the live alert channel of the inbox', () => {
  it('connects without a cursor, then loads the list; reconnects with after=<cursor> and misses nothing', async () => {
    const t = setup(() => [view('al-1')]);
    t.inbox.start();
    const s1 = t.sockets[0]!;
    expect(s1.url).toBe('wss://h/app/alerts/live');
    // The token rides as a sub-protocol entry beside the one the server selects.
    expect(s1.protocols).toEqual(['tutela.alerts.v1', 'tutela.bearer.tok']);
    expect(t.inbox.snapshot().status).toBe('connecting');
    s1.open();
    s1.frame({ type: 'replay', events: [], upTo: 40, more: false });
    await tick();
    expect(t.calls).toEqual(['GET /app/alerts']);
    expect(t.inbox.snapshot()).toMatchObject({ status: 'live', loaded: true });
    expect(t.inbox.snapshot().alerts.map((a) => a.id)).toEqual(['al-1']);
    s1.frame(ev(41, view('al-1', { state: 'acknowledged' }), 'acknowledged'));
    expect(t.inbox.cursor).toBe(41);
    expect(t.fresh).toEqual([41]);

    // The connection drops; the next one asks for what came after 41.
    s1.close();
    expect(t.inbox.snapshot().status).toBe('reconnecting');
    t.timers.shift()!();
    const s2 = t.sockets[1]!;
    expect(s2.url).toBe('wss://h/app/alerts/live?after=41');
    s2.open();
    s2.frame({
      type: 'replay',
      upTo: 43,
      more: false,
      events: [
        ev(42, view('al-2', { cl: 'medium' })),
        ev(43, view('al-1', { state: 'resolved' }), 'resolved'),
      ],
    });
    // A live event the replay already carried (sent twice by a racing server): not doubled.
    s2.frame(ev(43, view('al-1', { state: 'resolved' }), 'resolved'));
    expect(t.fresh).toEqual([41, 42, 43]);
    expect(t.inbox.cursor).toBe(43);
    expect(t.inbox.snapshot().alerts.map((a) => [a.id, a.state])).toEqual([
      ['al-2', 'raised'],
      ['al-1', 'resolved'],
    ]);
    // The list is not asked again: the replay brought the difference.
    expect(t.calls).toEqual(['GET /app/alerts']);
    t.inbox.stop();
    expect(t.inbox.snapshot().status).toBe('closed');
  });

  it('reconnects at once with after=upTo when the replay says there is more', () => {
    const t = setup(() => []);
    t.inbox.start();
    t.sockets[0]!.open();
    t.sockets[0]!.frame({ type: 'replay', events: [], upTo: 5, more: false });
    t.sockets[0]!.close();
    t.timers.shift()!();
    t.sockets[1]!.open();
    t.sockets[1]!.frame({ type: 'replay', events: [ev(6, view('al-1'))], upTo: 1006, more: true });
    t.timers.shift()!();
    expect(t.sockets[2]!.url).toBe('wss://h/app/alerts/live?after=1006');
  });

  it('tells the server once per connection that an alert is on screen, and again on the next', () => {
    const t = setup(() => []);
    t.inbox.start();
    const s1 = t.sockets[0]!;
    const gone1 = t.inbox.seen('al-1'); // not open yet: said as soon as it opens
    t.inbox.seen('al-1'); // a second card showing it (the header and the page)
    s1.open();
    t.inbox.seen('al-2');
    const gone2 = t.inbox.seen('al-2');
    expect(s1.sent).toEqual(['{"seen":"al-1"}', '{"seen":"al-2"}']);
    gone1();
    gone2();
    s1.close();
    t.timers.shift()!();
    t.sockets[1]!.open();
    // Both still on screen (one card each left): said again on the new connection.
    expect(t.sockets[1]!.sent).toEqual(['{"seen":"al-1"}', '{"seen":"al-2"}']);
    t.inbox.seen('al-3')();
    t.sockets[1]!.close();
    t.timers.shift()!();
    t.sockets[2]!.open();
    expect(t.sockets[2]!.sent).toEqual(['{"seen":"al-1"}', '{"seen":"al-2"}']);
  });

  it('ignores frames that are not JSON or of another type, and passes on an action’s refusal', async () => {
    const t = setup(() => []);
    t.inbox.start();
    const s = t.sockets[0]!;
    s.open();
    s.onmessage?.({ data: 'not json' });
    s.frame({ type: 'hello' });
    expect(t.inbox.cursor).toBeUndefined();
    await expect(t.inbox.act('al-1', 'acknowledge')).rejects.toMatchObject({
      status: 409,
      code: 'already_acknowledged',
    });
  });

  it('does not announce what the first replay and the list bring, only what arrives after', async () => {
    const t = setup(() => [view('al-1')]);
    t.inbox.start();
    const s = t.sockets[0]!;
    s.open();
    s.frame({ type: 'replay', events: [], upTo: 3, more: false });
    s.frame(ev(4, view('al-2'))); // before the list answered: applied, not announced
    await tick();
    s.frame(ev(5, view('al-3')));
    expect(t.fresh).toEqual([5]);
    expect(
      t.inbox
        .snapshot()
        .alerts.map((a) => a.id)
        .sort(),
    ).toEqual(['al-1', 'al-2', 'al-3']);
  });
});
