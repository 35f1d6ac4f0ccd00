import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../core/db/testing.js';
import { m2mClient } from '../../../test/support/m2m-client.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { toM2MTime } from './model/time.js';

describe.each(databaseTargets())('CSE access control and discovery on $name', (target) => {
  let platform: TestPlatform;
  let m2m: ReturnType<typeof m2mClient>;
  let acpRi: string;
  beforeAll(async () => {
    platform = await startTestPlatform(target, { cse: { adminOriginator: 'CAdmin' } });
    m2m = m2mClient(platform.url);
    await m2m.registerAe('gw', 'CGw');
    await m2m.registerAe('doctor', 'CDoctor');
    await m2m.registerAe('insurer', 'CInsurer');
    // The gateway lets the doctor read and discover its vitals, nothing more.
    const acp = await m2m.create(
      '/cse-in/gw',
      1,
      {
        'm2m:acp': {
          rn: 'vitals-readers',
          pv: {
            acr: [
              { acor: ['CDoctor'], acop: 2 + 32 },
              { acor: ['CGw'], acop: 63 },
            ],
          },
          pvs: { acr: [{ acor: ['CGw'], acop: 63 }] },
        },
      },
      'CGw',
    );
    expect(acp.rsc).toBe(2001);
    acpRi = acp.body['m2m:acp'].ri;
    await m2m.create(
      '/cse-in/gw',
      3,
      { 'm2m:cnt': { rn: 'vitals', acpi: [acpRi], lbl: ['rl:N'] } },
      'CGw',
    );
    await m2m.create(
      '/cse-in/gw/vitals',
      4,
      { 'm2m:cin': { rn: 'v1', con: 'sealed', lbl: ['cl:high'] } },
      'CGw',
    );
  });
  afterAll(() => platform.destroy());

  it('grants exactly the operations an ACP gives, to the originators it names', async () => {
    expect((await m2m.get('/cse-in/gw/vitals/v1', 'CDoctor')).rsc).toBe(2000);
    expect((await m2m.get('/cse-in/gw/vitals/la', 'CDoctor')).rsc).toBe(2000);
    expect(
      (await m2m.create('/cse-in/gw/vitals', 4, { 'm2m:cin': { con: 'x' } }, 'CDoctor')).rsc,
    ).toBe(4103);
    expect((await m2m.del('/cse-in/gw/vitals/v1', 'CDoctor')).rsc).toBe(4103);
    expect((await m2m.get('/cse-in/gw/vitals/v1', 'CInsurer')).rsc).toBe(4103);
    expect((await m2m.get('/cse-in/gw/vitals/v1', 'CStranger')).rsc).toBe(4106);
    // The ACP itself is governed by pvs: the doctor cannot widen its own rights.
    const widen = await m2m.update(
      '/cse-in/gw/vitals-readers',
      { 'm2m:acp': { pv: { acr: [{ acor: ['all'], acop: 63 }] } } },
      'CDoctor',
    );
    expect(widen.rsc).toBe(4103);
  });

  it('keeps resources without acpi to their creator, and lets the configured administrator do anything', async () => {
    await m2m.create('/cse-in/gw', 3, { 'm2m:cnt': { rn: 'private' } }, 'CGw');
    expect((await m2m.get('/cse-in/gw/private', 'CGw')).rsc).toBe(2000);
    expect((await m2m.get('/cse-in/gw/private', 'CDoctor')).rsc).toBe(4103);
    expect((await m2m.get('/cse-in/gw/private', 'CAdmin')).rsc).toBe(2000);
    expect((await m2m.create('/cse-in', 3, { 'm2m:cnt': { rn: 'top' } }, 'CGw')).rsc).toBe(4103);
    expect((await m2m.create('/cse-in', 3, { 'm2m:cnt': { rn: 'top' } }, 'CAdmin')).rsc).toBe(2001);
  });

  it('takes an ACP update into account on the next request', async () => {
    await m2m.update(
      '/cse-in/gw/vitals-readers',
      { 'm2m:acp': { pv: { acr: [{ acor: ['CGw'], acop: 63 }] } } },
      'CGw',
    );
    expect((await m2m.get('/cse-in/gw/vitals/v1', 'CDoctor')).rsc).toBe(4103);
    await m2m.update(
      '/cse-in/gw/vitals-readers',
      {
        'm2m:acp': {
          pv: {
            acr: [
              { acor: ['CDoctor'], acop: 34 },
              { acor: ['CGw'], acop: 63 },
            ],
          },
        },
      },
      'CGw',
    );
    expect((await m2m.get('/cse-in/gw/vitals/v1', 'CDoctor')).rsc).toBe(2000);
  });

  it('applies time windows and IP ranges of accessControlContexts', async () => {
    const hour = new Date().getUTCHours();
    const otherHour = (hour + 12) % 24;
    const mk = (rn: string, acco: unknown) =>
      m2m.create(
        '/cse-in/gw',
        1,
        {
          'm2m:acp': {
            rn,
            pv: { acr: [{ acor: ['CDoctor'], acop: 2, acco }] },
            pvs: { acr: [{ acor: ['CGw'], acop: 63 }] },
          },
        },
        'CGw',
      );
    const now = (await mk('now', [{ actw: [`* * ${hour} * * * *`] }])).body['m2m:acp'].ri;
    const later = (await mk('later', [{ actw: [`* * ${otherHour} * * * *`] }])).body['m2m:acp'].ri;
    const local = (await mk('local', [{ acip: { ipv4: ['127.0.0.0/8'] } }])).body['m2m:acp'].ri;
    const remote = (await mk('remote', [{ acip: { ipv4: ['10.0.0.0/8'] } }])).body['m2m:acp'].ri;
    for (const [rn, acp, rsc] of [
      ['c-now', now, 2000],
      ['c-later', later, 4103],
      ['c-local', local, 2000],
      ['c-remote', remote, 4103],
    ] as const) {
      await m2m.create('/cse-in/gw', 3, { 'm2m:cnt': { rn, acpi: [acp] } }, 'CAdmin');
      expect((await m2m.get(`/cse-in/gw/${rn}`, 'CDoctor')).rsc, rn).toBe(rsc);
    }
    const bad = await mk('bad', [{ actw: ['61 * * * * * *'] }]);
    expect(bad.rsc).toBe(4000);
    expect(bad.body['m2m:dbg']).toMatch(/second 61/);
    expect(
      (
        await m2m.create(
          '/cse-in/gw',
          3,
          { 'm2m:cnt': { rn: 'dangling', acpi: ['acpNope'] } },
          'CGw',
        )
      ).rsc,
    ).toBe(4000);
  });

  it('discovers by type, label, creation time, level and limit, showing only what the originator may discover', async () => {
    const uril = async (query: string, origin: string) => {
      const res = await m2m.get(`/cse-in?fu=1&${query}`, origin);
      expect(res.rsc, query).toBe(2000);
      return res.body['m2m:uril'] as string[];
    };
    expect(await uril('ty=4', 'CDoctor')).toEqual(['cse-in/gw/vitals/v1']);
    expect(await uril('ty=4', 'CInsurer')).toEqual([]);
    expect(await uril('lbl=rl:N', 'CGw')).toEqual(['cse-in/gw/vitals']);
    expect(await uril('lbl=cl:high+rl:N', 'CGw')).toEqual([
      'cse-in/gw/vitals',
      'cse-in/gw/vitals/v1',
    ]);
    expect(await uril('ty=2&lvl=1', 'CAdmin')).toEqual([
      'cse-in/gw',
      'cse-in/doctor',
      'cse-in/insurer',
    ]);
    expect(await uril('ty=2&lim=1&ofst=1', 'CAdmin')).toEqual(['cse-in/doctor']);
    expect(await uril(`ty=4&crb=${toM2MTime(Date.now() + 60_000)}`, 'CAdmin')).toEqual([
      'cse-in/gw/vitals/v1',
    ]);
    expect(await uril(`ty=4&cra=${toM2MTime(Date.now() + 60_000)}`, 'CAdmin')).toEqual([]);
    const unstructured = await m2m.get('/cse-in/gw?fu=1&ty=3&drt=2', 'CGw');
    expect(unstructured.body['m2m:uril'].every((u: string) => u.startsWith('cnt'))).toBe(true);
  });
});
