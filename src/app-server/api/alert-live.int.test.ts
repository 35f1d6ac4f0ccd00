import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { databaseTargets } from '../../core/db/testing.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import type { AppServer } from '../app-server.js';
import { ALERTS_PROTOCOL } from './alert-live.js';

interface Frame {
  type: 'event' | 'replay';
  seq?: number;
  kind?: string;
  upTo?: number;
  more?: boolean;
  events?: Frame[];
  alert?: Record<string, unknown>;
}

/** A live channel: every frame it receives, in order, and a way to wait for the nth. */
function channel(url: string, protocols: string[], headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, protocols, { headers });
  const frames: Frame[] = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as Frame);
    for (const w of waiters.splice(0)) w();
  });
  const until = async (pred: (fs: Frame[]) => boolean) => {
    while (!pred(frames)) await new Promise<void>((r) => waiters.push(r));
  };
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
  const close = () =>
    new Promise<void>((r) => {
      ws.once('close', () => r());
      ws.close();
    });
  return { ws, frames, until, opened, close };
}

describe.each(databaseTargets())('live alert channel ($name)', (target) => {
  let platform: TestPlatform;
  let app: AppServer;
  const token: Record<string, string> = {};
  const wsUrl = (after?: number) =>
    `${platform.url.replace(/^http/, 'ws')}/app/alerts/live${after === undefined ? '' : `?after=${after}`}`;
  const connect = (who: string, after?: number) =>
    channel(wsUrl(after), [ALERTS_PROTOCOL, `tutela.bearer.${token[who]}`]);
  const events = (fs: Frame[]) => fs.flatMap((f) => (f.type === 'replay' ? (f.events ?? []) : [f]));
  const raise = (pt: string, cl: 'high' | 'medium' | 'low-medium', rule = 'news2') =>
    app.alerts.engine.observe(pt, [{ rule, cl, text: `NEWS2 ${cl}` }], [rule]);
  const status = async (pt: string, user: string) =>
    (
      await app.database.db
        .selectFrom('alert_deliveries')
        .innerJoin('alerts', 'alerts.id', 'alert_deliveries.alert_id')
        .select(['alert_deliveries.status'])
        .where('alerts.pt', '=', pt)
        .where('recipient', '=', user)
        .execute()
    ).map((r) => r.status);

  beforeAll(async () => {
    platform = await startTestPlatform(target, { app: { enabled: true } });
    app = platform.appServer!;
    for (const [id, role] of [
      ['doc', 'doctor'],
      ['nur', 'nurse'],
      ['fam', 'family'],
      ['out', 'nurse'],
    ] as const)
      token[id] = await app.directory.addUser(id, role);
    for (const pt of ['pt-8', 'pt-9'])
      await app.provision({
        pt,
        gateway: { dev: `gw-${pt}`, publicKey: (await generateKeyPair()).pair.publicRaw },
        team: ['doc', 'nur', 'fam'],
      });
  });

  afterAll(async () => {
    await platform?.destroy();
  });

  it('refuses an upgrade without a valid token (401) or with a bad cursor (400)', async () => {
    await expect(channel(wsUrl(), [ALERTS_PROTOCOL]).opened).rejects.toThrow('HTTP 401');
    await expect(
      channel(wsUrl(), [ALERTS_PROTOCOL, 'tutela.bearer.not-a-token']).opened,
    ).rejects.toThrow('HTTP 401');
    await expect(
      channel(`${wsUrl()}?after=-1`, [ALERTS_PROTOCOL, `tutela.bearer.${token.nur}`]).opened,
    ).rejects.toThrow('HTTP 400');
    // An Authorization header works for clients that can set one.
    const c = channel(wsUrl(0), [ALERTS_PROTOCOL], { authorization: `Bearer ${token.nur}` });
    await c.opened;
    expect(c.ws.protocol).toBe(ALERTS_PROTOCOL);
    await c.until((fs) => fs.length === 1);
    await c.close();
  });

  it('pushes events as they happen, replays what a client missed exactly once, high first', async () => {
    const nur = connect('nur', 0);
    const fam = connect('fam', 0);
    const out = connect('out', 0);
    await Promise.all([nur.opened, fam.opened, out.opened]);
    await nur.until((fs) => fs.length >= 1);
    expect(nur.frames[0]).toMatchObject({ type: 'replay', events: [], more: false });
    const start = nur.frames[0]!.upTo!;

    await raise('pt-8', 'medium');
    await app.alerts.live.idle();
    await nur.until((fs) => fs.length >= 3);
    expect(nur.frames.slice(1).map((f) => [f.type, f.kind])).toEqual([
      ['event', 'raised'],
      ['event', 'routed'],
    ]);
    expect(nur.frames[1]!.alert).toMatchObject({
      view: 'full',
      cl: 'medium',
      text: 'NEWS2 medium',
    });
    // The nurse was the recipient: the push marked the delivery delivered.
    await expect.poll(() => status('pt-8', 'nur')).toEqual(['delivered']);
    // Family hears only that there is an alert; an outsider hears nothing.
    await fam.until((fs) => fs.length >= 3);
    expect(fam.frames[1]!.alert).toMatchObject({ view: 'minimal', cl: 'medium' });
    expect(JSON.stringify(fam.frames)).not.toContain('NEWS2');
    const cursor = Math.max(...events(nur.frames).map((f) => f.seq!));
    await nur.close();

    // While the nurse is offline: a low-medium alert, a high one, the medium one acknowledged.
    await raise('pt-9', 'low-medium', 'stale-data');
    await raise('pt-9', 'high');
    const medium = (await app.alerts.reader.list(['pt-8']))[0]!;
    await app.alerts.engine.acknowledge(medium.id, 'doc');
    expect(await status('pt-9', 'nur')).toEqual(['queued']);

    const back = connect('nur', cursor);
    await back.opened;
    await back.until((fs) => fs.length >= 1);
    const replay = back.frames[0]!;
    expect(replay.type).toBe('replay');
    const missed = replay.events!;
    // Highest CL first; within a CL in order.
    expect(missed.map((e) => [e.alert!.cl, e.kind])).toEqual([
      ['high', 'raised'],
      ['high', 'routed'],
      ['medium', 'acknowledged'],
      ['low-medium', 'raised'],
      ['low-medium', 'routed'],
    ]);
    expect(missed.every((e) => e.seq! > cursor)).toBe(true);
    expect(replay.upTo).toBe(Math.max(...missed.map((e) => e.seq!)));
    await expect.poll(() => status('pt-9', 'nur')).toEqual(['delivered']);
    // The nurse looks at the low-medium one (hers): the client says so.
    const hers = missed[3]!.alert!.id as string;
    fam.ws.send(JSON.stringify({ seen: hers })); // not a recipient: moves nothing
    back.ws.send(JSON.stringify({ seen: hers }));
    await expect.poll(() => status('pt-9', 'nur')).toEqual(['seen']);

    // Live again after the replay; nothing twice across the two connections.
    await raise('pt-8', 'high');
    await app.alerts.live.idle();
    await back.until((fs) => fs.length >= 4);
    const all = [...events(nur.frames), ...events(back.frames)].map((f) => f.seq!);
    expect(new Set(all).size).toBe(all.length);
    const logged = await app.database.db
      .selectFrom('alert_events')
      .select('seq')
      .where('seq', '>', start)
      .orderBy('seq')
      .execute();
    expect([...all].sort((a, b) => a - b)).toEqual(logged.map((r) => Number(r.seq)));
    await back.close();
    await fam.close();
    expect(out.frames).toEqual([
      { type: 'replay', events: [], upTo: expect.any(Number), more: false },
    ]);
    await out.close();
  });

  it('leaves a channel open: the platform still closes (afterAll would time out otherwise)', async () => {
    const open = connect('doc');
    await open.opened;
    await open.until((fs) => fs.length >= 1);
    expect(open.frames[0]).toMatchObject({ type: 'replay', events: [] });
  });
});
