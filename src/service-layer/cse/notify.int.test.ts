import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { databaseTargets } from '../../core/db/testing.js';
import { m2mClient } from '../../../test/support/m2m-client.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { eventually, startReceiver } from '../../../test/support/receiver.js';
import { toM2MTime } from './model/time.js';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

describe.each(databaseTargets())('CSE notifications on $name', (target) => {
  let platform: TestPlatform;
  let m2m: ReturnType<typeof m2mClient>;
  let rx: Receiver;
  beforeAll(async () => {
    platform = await startTestPlatform(target, {
      cse: { expirySweepMs: 50, notify: { retryBaseMs: 20, retryMaxMs: 200, timeoutMs: 1000 } },
    });
    m2m = m2mClient(platform.url);
    rx = await startReceiver();
    await m2m.registerAe('gw', 'CGw');
    await m2m.create('/cse-in/gw', 3, { 'm2m:cnt': { rn: 'inbox' } }, 'CGw');
  });
  afterAll(async () => {
    await platform.destroy();
    await rx.close();
  });

  const cin = (rn: string, path = '/cse-in/gw/inbox') =>
    m2m.create(path, 4, { 'm2m:cin': { rn, con: `sealed-${rn}` } }, 'CGw');

  it('verifies a new subscription target and refuses the subscription when verification fails', async () => {
    rx.refuseVerifications(true);
    const refused = await m2m.create(
      '/cse-in/gw/inbox',
      23,
      { 'm2m:sub': { rn: 'nope', nu: [rx.url] } },
      'CGw',
    );
    expect(refused.rsc).toBe(5204);
    expect((await m2m.get('/cse-in/gw/inbox/nope', 'CGw')).rsc).toBe(4004);
    rx.refuseVerifications(false);
    const ok = await m2m.create(
      '/cse-in/gw/inbox',
      23,
      { 'm2m:sub': { rn: 'watch', nu: [rx.url], enc: { net: [3] } } },
      'CGw',
    );
    expect(ok.rsc).toBe(2001);
    const vrq = rx.received.filter((r) => r.body['m2m:sgn'].vrq).pop();
    expect(vrq?.body['m2m:sgn']).toMatchObject({
      vrq: true,
      sur: '/id-in/cse-in/gw/inbox/watch',
      cr: 'CGw',
    });
    expect(vrq?.origin).toBe('/id-in');
  });

  it('notifies each new instance once, with the opaque content and a stable request id', async () => {
    for (const rn of ['a1', 'a2', 'a3']) await cin(rn);
    await eventually(() => rx.notifications().length >= 3);
    const sgns = rx.notifications().map((r) => r.body['m2m:sgn']);
    expect(sgns.map((s) => s.nev.rep['m2m:cin'].rn)).toEqual(['a1', 'a2', 'a3']);
    expect(sgns[0]).toMatchObject({
      nev: { net: 3, rep: { 'm2m:cin': { con: 'sealed-a1' } } },
      sur: '/id-in/cse-in/gw/inbox/watch',
    });
    expect(new Set(rx.notifications().map((r) => r.rqi)).size).toBe(3);
  });

  it('notifies each instance of a write batch once, also when a clash in the batch made it start over', async () => {
    const other = await startReceiver();
    await m2m.create('/cse-in/gw', 3, { 'm2m:cnt': { rn: 'clash' } }, 'CGw');
    await m2m.create(
      '/cse-in/gw/clash',
      23,
      { 'm2m:sub': { rn: 's', nu: [other.url], enc: { net: [3] } } },
      'CGw',
    );
    // Concurrent creates share a transaction; the second "k3" fails with a name conflict.
    const names = ['k0', 'k1', 'k2', 'k3', 'k3', 'k4', 'k5'];
    const results = await Promise.all(names.map((rn) => cin(rn, '/cse-in/gw/clash')));
    expect(results.map((r) => r.rsc).sort()).toEqual([2001, 2001, 2001, 2001, 2001, 2001, 4105]);
    await eventually(() => other.notifications().length >= 6);
    await new Promise((r) => setTimeout(r, 100));
    const notified = other.notifications().map((r) => r.body['m2m:sgn'].nev.rep['m2m:cin'].rn);
    expect(notified.sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
    await other.close();
  });

  it('retries a failing target with backoff until it takes the notification', async () => {
    const before = rx.notifications().length;
    rx.answer(500);
    await cin('retry1');
    await eventually(() => rx.notifications().length >= before + 2);
    rx.answer(200);
    await eventually(() =>
      rx
        .notifications()
        .some(
          (r, i, all) =>
            r.body['m2m:sgn'].nev.rep['m2m:cin'].rn === 'retry1' && all.slice(i + 1).length === 0,
        ),
    );
    const attempts = rx
      .notifications()
      .filter((r) => r.body['m2m:sgn'].nev.rep['m2m:cin'].rn === 'retry1');
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts.map((a) => a.rqi)).size).toBe(1);
  });

  it('sends only the resource id for nct=3, ends a subscription after exc notifications and says so', async () => {
    const other = await startReceiver();
    await m2m.create('/cse-in/gw', 3, { 'm2m:cnt': { rn: 'counted' } }, 'CGw');
    await m2m.create(
      '/cse-in/gw/counted',
      23,
      { 'm2m:sub': { rn: 's', nu: [other.url], enc: { net: [3] }, nct: 3, exc: 2 } },
      'CGw',
    );
    for (const rn of ['c1', 'c2', 'c3']) await cin(rn, '/cse-in/gw/counted');
    await eventually(() => other.notifications().length >= 3);
    const sgns = other.notifications().map((r) => r.body['m2m:sgn']);
    expect(sgns.slice(0, 2).map((s) => typeof s.nev.rep)).toEqual(['string', 'string']);
    expect(sgns[2]).toEqual({ sud: true, sur: '/id-in/cse-in/gw/counted/s' });
    expect((await m2m.get('/cse-in/gw/counted/s', 'CGw')).rsc).toBe(4004);
    await other.close();
  });

  it('notifies updates with modified attributes, deletion of children, and the end of the subscription', async () => {
    const other = await startReceiver();
    await m2m.create('/cse-in/gw', 3, { 'm2m:cnt': { rn: 'events' } }, 'CGw');
    await m2m.create(
      '/cse-in/gw/events',
      23,
      { 'm2m:sub': { rn: 's', nu: [other.url], enc: { net: [1, 4] }, nct: 2 } },
      'CGw',
    );
    await m2m.update('/cse-in/gw/events', { 'm2m:cnt': { mni: 7 } }, 'CGw');
    await cin('e1', '/cse-in/gw/events');
    await m2m.del('/cse-in/gw/events/e1', 'CGw');
    await m2m.del('/cse-in/gw/events', 'CGw');
    await eventually(() => other.notifications().length >= 3);
    const sgns = other.notifications().map((r) => r.body['m2m:sgn']);
    expect(sgns[0].nev).toMatchObject({ net: 1, rep: { 'm2m:cnt': { mni: 7 } } });
    expect(Object.keys(sgns[0].nev.rep['m2m:cnt']).sort()).toEqual(['lt', 'mni']);
    expect(sgns[1].nev).toMatchObject({ net: 4 });
    expect(sgns[2]).toEqual({ sud: true, sur: '/id-in/cse-in/gw/events/s' });
    await other.close();
  });

  it('batches notifications of a subscription with batchNotify, but never immediate ones', async () => {
    const batched = await startReceiver();
    await m2m.create('/cse-in/gw', 3, { 'm2m:cnt': { rn: 'batched' } }, 'CGw');
    await m2m.create(
      '/cse-in/gw/batched',
      23,
      {
        'm2m:sub': { rn: 'b', nu: [batched.url], enc: { net: [3] }, bn: { num: 3, dur: 'PT10S' } },
      },
      'CGw',
    );
    await m2m.create(
      '/cse-in/gw/batched',
      23,
      { 'm2m:sub': { rn: 'i', nu: [batched.url], enc: { net: [3] }, bn: { num: 3 }, nec: 2 } },
      'CGw',
    );
    for (const rn of ['b1', 'b2', 'b3']) await cin(rn, '/cse-in/gw/batched');
    await eventually(() => batched.notifications().length >= 4);
    const agn = batched.notifications().find((r) => r.body['m2m:agn']);
    expect(agn?.body['m2m:agn']['m2m:sgn'].map((s: any) => s.nev.rep['m2m:cin'].rn)).toEqual([
      'b1',
      'b2',
      'b3',
    ]);
    expect(batched.notifications().filter((r) => r.body['m2m:sgn']).length).toBe(3);
    await batched.close();
  });

  it('delivers to a connected AE over WebSocket, keeps what it missed while offline, and replays on request', async () => {
    await m2m.registerAe('nurse', 'CNurse', { rr: false });
    await m2m.create(
      '/cse-in/gw',
      1,
      {
        'm2m:acp': {
          rn: 'nurse-acp',
          pv: {
            acr: [
              { acor: ['CNurse'], acop: 2 },
              { acor: ['CGw'], acop: 63 },
            ],
          },
          pvs: { acr: [{ acor: ['CGw'], acop: 63 }] },
        },
      },
      'CGw',
    );
    const acpRi = (await m2m.get('/cse-in/gw/nurse-acp', 'CGw')).body['m2m:acp'].ri;
    await m2m.create('/cse-in/gw', 3, { 'm2m:cnt': { rn: 'ward', acpi: [acpRi] } }, 'CGw');
    // The nurse subscribes for itself: no verification needed, delivery by AE-ID.
    await m2m.update(
      '/cse-in/gw/nurse-acp',
      {
        'm2m:acp': {
          pv: {
            acr: [
              { acor: ['CNurse'], acop: 3 },
              { acor: ['CGw'], acop: 63 },
            ],
          },
        },
      },
      'CGw',
    );
    expect(
      (
        await m2m.create(
          '/cse-in/gw/ward',
          23,
          { 'm2m:sub': { rn: 'nurse-sub', nu: ['CNurse'], enc: { net: [3] } } },
          'CNurse',
        )
      ).rsc,
    ).toBe(2001);

    const wsUrl = platform.url.replace('http', 'ws') + '/ws?ae=CNurse';
    const open = (url: string, ack = true) =>
      new Promise<{ ws: WebSocket; got: any[] }>((resolve, reject) => {
        const ws = new WebSocket(url, 'oneM2M.json');
        const got: any[] = [];
        ws.on('message', (d) => {
          const msg = JSON.parse(d.toString());
          got.push(msg);
          if (ack) ws.send(JSON.stringify({ rsc: 2000, rqi: msg.rqi }));
        });
        ws.on('open', () => resolve({ ws, got }));
        ws.on('error', reject);
      });
    const first = await open(wsUrl);
    await cin('w1', '/cse-in/gw/ward');
    await eventually(() => first.got.length === 1);
    expect(first.got[0]).toMatchObject({
      op: 5,
      fr: '/id-in',
      to: 'CNurse',
      pc: { 'm2m:sgn': { nev: { net: 3, rep: { 'm2m:cin': { rn: 'w1' } } } } },
    });
    const lastSeq = first.got[0].seq as number;
    first.ws.close();
    await eventually(() => !platform.cse.ctx.notifier.hub.isConnected('CNurse'));

    // Offline: nothing is lost.
    await cin('w2', '/cse-in/gw/ward');
    await cin('w3', '/cse-in/gw/ward');
    const second = await open(wsUrl);
    await eventually(() => second.got.length === 2);
    expect(second.got.map((m) => m.pc['m2m:sgn'].nev.rep['m2m:cin'].rn)).toEqual(['w2', 'w3']);
    second.ws.close();
    await eventually(() => !platform.cse.ctx.notifier.hub.isConnected('CNurse'));

    // A client that lost its state asks for everything after the last seq it kept.
    const third = await open(`${wsUrl}&since=${lastSeq}`);
    await eventually(() => third.got.length >= 2);
    expect(third.got.map((m) => m.pc['m2m:sgn'].nev.rep['m2m:cin'].rn)).toEqual(['w2', 'w3']);
    third.ws.close();

    await expect(open(platform.url.replace('http', 'ws') + '/ws?ae=CUnknown')).rejects.toThrow(
      /403/,
    );
  });

  it("removes instances older than their container's maxInstanceAge, also after mia is set by an update", async () => {
    await m2m.create('/cse-in/gw', 3, { 'm2m:cnt': { rn: 'aged' } }, 'CGw');
    await cin('old', '/cse-in/gw/aged');
    await m2m.update('/cse-in/gw/aged', { 'm2m:cnt': { mia: 1 } }, 'CGw');
    await eventually(
      async () => (await m2m.get('/cse-in/gw/aged', 'CGw')).body['m2m:cnt'].cni === 0,
      4000,
    );
    expect((await m2m.get('/cse-in/gw/aged/old', 'CGw')).rsc).toBe(4004);
    await m2m.update('/cse-in/gw/aged', { 'm2m:cnt': { mia: null } }, 'CGw');
    await cin('kept', '/cse-in/gw/aged');
    await new Promise((r) => setTimeout(r, 1300));
    expect((await m2m.get('/cse-in/gw/aged/kept', 'CGw')).rsc).toBe(2000);
  });

  it('removes expired resources and notifies their deletion', async () => {
    const other = await startReceiver();
    await m2m.create('/cse-in/gw', 3, { 'm2m:cnt': { rn: 'shortlived' } }, 'CGw');
    await m2m.create(
      '/cse-in/gw/shortlived',
      23,
      { 'm2m:sub': { rn: 's', nu: [other.url], enc: { net: [4] } } },
      'CGw',
    );
    const et = toM2MTime(Date.now() + 300);
    expect(
      (
        await m2m.create(
          '/cse-in/gw/shortlived',
          4,
          { 'm2m:cin': { rn: 'x', con: 'sealed', et } },
          'CGw',
        )
      ).rsc,
    ).toBe(2001);
    await eventually(async () => (await m2m.get('/cse-in/gw/shortlived/x', 'CGw')).rsc === 4004);
    await eventually(() => other.notifications().length >= 1);
    expect(other.notifications()[0]!.body['m2m:sgn'].nev).toMatchObject({
      net: 4,
      rep: { 'm2m:cin': { rn: 'x' } },
    });
    expect((await m2m.get('/cse-in/gw/shortlived', 'CGw')).body['m2m:cnt'].cni).toBe(0);
    await other.close();
  });
});
