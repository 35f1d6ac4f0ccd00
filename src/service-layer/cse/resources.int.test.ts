import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../core/db/testing.js';
import { m2mClient } from '../../../test/support/m2m-client.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';

describe.each(databaseTargets())('CSE resources on $name', (target) => {
  let platform: TestPlatform;
  let m2m: ReturnType<typeof m2mClient>;
  beforeAll(async () => {
    platform = await startTestPlatform(target, {
      cse: { adminOriginator: 'CAdmin', maxBodyBytes: 4096 },
    });
    m2m = m2mClient(platform.url);
  });
  afterAll(() => platform.destroy());

  it('serves the CSEBase to registered AEs with the headers of TS-0009', async () => {
    await m2m.registerAe('base-reader', 'CBaseReader');
    const res = await m2m.get('/cse-in', 'CBaseReader');
    expect(res.status).toBe(200);
    expect(res.rsc).toBe(2000);
    expect(res.headers.get('x-m2m-ri')).toMatch(/^rq\d+$/);
    expect(res.headers.get('x-m2m-rvi')).toBe('3');
    expect(res.body['m2m:cb']).toMatchObject({
      ty: 5,
      ri: 'id-in',
      rn: 'cse-in',
      csi: '/id-in',
      srv: ['2a', '3', '4'],
    });
    expect((await m2m.get('/cse-in', 'CNobody')).rsc).toBe(4106);
  });

  it('registers AEs: given AE-ID, CSE-assigned C and S ids, and refuses duplicates', async () => {
    const own = await m2m.registerAe('gw1', 'CGateway1');
    expect(own.status).toBe(201);
    expect(own.rsc).toBe(2001);
    expect(own.headers.get('content-location')).toBe('/cse-in/gw1');
    expect(own.body['m2m:ae']).toMatchObject({
      ri: 'CGateway1',
      aei: 'CGateway1',
      rn: 'gw1',
      api: 'Ngw1',
      pi: 'id-in',
    });
    const assignedC = await m2m.registerAe('anon-c', 'C');
    expect(assignedC.body['m2m:ae'].aei).toMatch(/^C[a-z0-9]{15}$/);
    const assignedS = await m2m.registerAe('anon-s', 'S');
    expect(assignedS.body['m2m:ae'].aei).toMatch(/^S[a-z0-9]{15}$/);
    expect((await m2m.registerAe('gw1-again', 'CGateway1')).rsc).toBe(4117);
    expect((await m2m.registerAe('gw1', 'COther')).rsc).toBe(4105);
    expect((await m2m.registerAe('bad', 'Xintruder')).rsc).toBe(4103);
  });

  it('stores containers and opaque instances with counters, la/ol and oldest-first eviction', async () => {
    await m2m.registerAe('patient-1', 'CPatient1');
    const cnt = await m2m.create(
      '/cse-in/patient-1',
      3,
      { 'm2m:cnt': { rn: 'inbox', mni: 3, lbl: ['rl:N'] } },
      'CPatient1',
    );
    expect(cnt.body['m2m:cnt']).toMatchObject({
      rn: 'inbox',
      mni: 3,
      cni: 0,
      cbs: 0,
      st: 0,
      lbl: ['rl:N'],
    });
    for (let i = 1; i <= 5; i++) {
      const cin = await m2m.create(
        '/cse-in/patient-1/inbox',
        4,
        { 'm2m:cin': { rn: `r${i}`, cnf: 'application/octet-stream:0', con: `sealed-${i}` } },
        'CPatient1',
      );
      expect(cin.status).toBe(201);
      expect(cin.body['m2m:cin']).toMatchObject({
        con: `sealed-${i}`,
        cs: `sealed-${i}`.length,
        st: i,
        cnf: 'application/octet-stream:0',
      });
    }
    const after = await m2m.get('/cse-in/patient-1/inbox', 'CPatient1');
    expect(after.body['m2m:cnt']).toMatchObject({ cni: 3, cbs: 3 * 'sealed-1'.length, st: 5 });
    expect((await m2m.get('/cse-in/patient-1/inbox/la', 'CPatient1')).body['m2m:cin'].rn).toBe(
      'r5',
    );
    expect((await m2m.get('/cse-in/patient-1/inbox/ol', 'CPatient1')).body['m2m:cin'].rn).toBe(
      'r3',
    );
    expect((await m2m.get('/cse-in/patient-1/inbox/r1', 'CPatient1')).rsc).toBe(4004);
    expect((await m2m.del('/cse-in/patient-1/inbox/ol', 'CPatient1')).rsc).toBe(2002);
    expect((await m2m.get('/cse-in/patient-1/inbox', 'CPatient1')).body['m2m:cnt'].cni).toBe(2);
    expect(
      (await m2m.update('/cse-in/patient-1/inbox/r5', { 'm2m:cin': { lbl: ['x'] } }, 'CPatient1'))
        .rsc,
    ).toBe(4005);
  });

  it('keeps counters exact when a container is updated while instances arrive', async () => {
    await m2m.create('/cse-in/patient-1', 3, { 'm2m:cnt': { rn: 'busy' } }, 'CPatient1');
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) =>
        m2m.create('/cse-in/patient-1/busy', 4, { 'm2m:cin': { con: `c${i}` } }, 'CPatient1'),
      ),
      ...Array.from({ length: 5 }, (_, i) =>
        m2m.update('/cse-in/patient-1/busy', { 'm2m:cnt': { lbl: [`v${i}`] } }, 'CPatient1'),
      ),
    ]);
    const busy = (await m2m.get('/cse-in/patient-1/busy', 'CPatient1')).body['m2m:cnt'];
    expect(busy).toMatchObject({ cni: 30, st: 35 });
  });

  it('enforces maxByteSize and refuses an instance larger than it', async () => {
    await m2m.create('/cse-in/patient-1', 3, { 'm2m:cnt': { rn: 'small', mbs: 10 } }, 'CPatient1');
    await m2m.create('/cse-in/patient-1/small', 4, { 'm2m:cin': { con: '123456' } }, 'CPatient1');
    await m2m.create('/cse-in/patient-1/small', 4, { 'm2m:cin': { con: '7890ab' } }, 'CPatient1');
    const small = (await m2m.get('/cse-in/patient-1/small', 'CPatient1')).body['m2m:cnt'];
    expect(small).toMatchObject({ cni: 1, cbs: 6 });
    const tooBig = await m2m.create(
      '/cse-in/patient-1/small',
      4,
      { 'm2m:cin': { con: 'x'.repeat(11) } },
      'CPatient1',
    );
    expect(tooBig.rsc).toBe(5207);
  });

  it('addresses resources structured, unstructured, SP-relative and absolute', async () => {
    const ri = (await m2m.get('/cse-in/patient-1/inbox', 'CPatient1')).body['m2m:cnt'].ri as string;
    for (const path of [
      '/cse-in/patient-1/inbox',
      `/${ri}`,
      '/~/id-in/cse-in/patient-1/inbox',
      `/~/id-in/${ri}`,
      '/_/tutela.example/id-in/cse-in/patient-1/inbox',
      '/-/patient-1/inbox',
    ]) {
      const res = await m2m.get(path, 'CPatient1');
      expect(res.rsc, path).toBe(2000);
      expect(res.body['m2m:cnt'].ri).toBe(ri);
    }
    expect((await m2m.get('/~/id-other/cse-in/patient-1', 'CPatient1')).rsc).toBe(4004);
  });

  it('answers every result content variant', async () => {
    const p = '/cse-in/patient-1/inbox';
    const none = await m2m.request('POST', `${p}?rcn=0`, {
      ty: 4,
      origin: 'CPatient1',
      body: { 'm2m:cin': { con: 'a' } },
    });
    expect(none.rsc).toBe(2001);
    expect(none.body).toEqual({});
    const addr = await m2m.request('POST', `${p}?rcn=2`, {
      ty: 4,
      origin: 'CPatient1',
      body: { 'm2m:cin': { rn: 'addr', con: 'a' } },
    });
    expect(addr.body).toEqual({ 'm2m:uri': 'cse-in/patient-1/inbox/addr' });
    const both = await m2m.request('POST', `${p}?rcn=3`, {
      ty: 4,
      origin: 'CPatient1',
      body: { 'm2m:cin': { rn: 'both', con: 'a' } },
    });
    expect(both.body['m2m:rce']).toMatchObject({
      uri: 'cse-in/patient-1/inbox/both',
      'm2m:cin': { rn: 'both' },
    });
    const withChildren = await m2m.get(`${p}?rcn=4`, 'CPatient1');
    expect(withChildren.body['m2m:cnt']['m2m:cin'].length).toBe(3);
    const refs = await m2m.get(`${p}?rcn=5`, 'CPatient1');
    expect(refs.body['m2m:cnt'].ch).toContainEqual({
      nm: 'both',
      typ: 4,
      val: 'cse-in/patient-1/inbox/both',
    });
    const rrl = await m2m.get(`${p}?rcn=6`, 'CPatient1');
    expect(rrl.body['m2m:rrl'].rrf.length).toBe(3);
    const only = await m2m.get(`${p}?rcn=8`, 'CPatient1');
    expect(Object.keys(only.body['m2m:cnt'])).toEqual(['m2m:cin']);
    const modified = await m2m.request('PUT', `${p}?rcn=9`, {
      origin: 'CPatient1',
      body: { 'm2m:cnt': { mni: 10 } },
    });
    expect(Object.keys(modified.body['m2m:cnt']).sort()).toEqual(['lt', 'mni']);
    const deleted = await m2m.request('DELETE', `${p}/both?rcn=1`, { origin: 'CPatient1' });
    expect(deleted.body['m2m:cin'].rn).toBe('both');
    expect((await m2m.get(`${p}?rcn=7`, 'CPatient1')).rsc).toBe(4000);
  });

  it('pages child listings and discovery with lim/ofst and says when a listing is partial', async () => {
    await m2m.create('/cse-in/patient-1', 3, { 'm2m:cnt': { rn: 'paged' } }, 'CPatient1');
    for (let i = 1; i <= 5; i++) {
      await m2m.create(
        '/cse-in/patient-1/paged',
        4,
        { 'm2m:cin': { rn: `p${i}`, con: 'x' } },
        'CPatient1',
      );
    }
    const names = (r: { body: Record<string, any> }) =>
      r.body['m2m:rrl'].rrf.map((c: { nm: string }) => c.nm);
    const first = await m2m.get('/cse-in/patient-1/paged?rcn=6&lim=2', 'CPatient1');
    expect(names(first)).toEqual(['p1', 'p2']);
    expect([first.headers.get('x-m2m-cts'), first.headers.get('x-m2m-cto')]).toEqual(['1', '2']);
    const next = await m2m.get('/cse-in/patient-1/paged?rcn=6&lim=2&ofst=2', 'CPatient1');
    expect(names(next)).toEqual(['p3', 'p4']);
    const last = await m2m.get('/cse-in/patient-1/paged?rcn=6&lim=2&ofst=4', 'CPatient1');
    expect(names(last)).toEqual(['p5']);
    expect(last.headers.get('x-m2m-cts')).toBeNull();
    const found = await m2m.get('/cse-in/patient-1/paged?fu=1&ty=4&lim=3', 'CPatient1');
    expect(found.body['m2m:uril']).toHaveLength(3);
    expect([found.headers.get('x-m2m-cts'), found.headers.get('x-m2m-cto')]).toEqual(['1', '3']);
  });

  it('updates attributes, removes optional ones with null, and deletes subtrees', async () => {
    await m2m.create(
      '/cse-in/patient-1',
      3,
      { 'm2m:cnt': { rn: 'tmp', mni: 5, lbl: ['a'] } },
      'CPatient1',
    );
    await m2m.create('/cse-in/patient-1/tmp', 3, { 'm2m:cnt': { rn: 'child' } }, 'CPatient1');
    const upd = await m2m.update(
      '/cse-in/patient-1/tmp',
      { 'm2m:cnt': { mni: null, lbl: ['b', 'c'] } },
      'CPatient1',
    );
    expect(upd.rsc).toBe(2004);
    expect(upd.body['m2m:cnt'].mni).toBeUndefined();
    expect(upd.body['m2m:cnt'].lbl).toEqual(['b', 'c']);
    expect(upd.body['m2m:cnt'].st).toBe(1);
    expect((await m2m.del('/cse-in/patient-1/tmp', 'CPatient1')).rsc).toBe(2002);
    expect((await m2m.get('/cse-in/patient-1/tmp/child', 'CPatient1')).rsc).toBe(4004);
  });

  describe('refuses bad input with the right status code and leaves nothing half-written', () => {
    const cases: Array<
      [
        string,
        () => Promise<{ rsc: number; status: number; body: Record<string, unknown> }>,
        number,
        RegExp,
      ]
    > = [
      [
        'malformed JSON',
        () =>
          m2m.request('POST', '/cse-in/patient-1', {
            ty: 3,
            origin: 'CPatient1',
            raw: '{"m2m:cnt": {',
          }),
        4000,
        /malformed JSON/,
      ],
      [
        'missing ty',
        () =>
          m2m.request('POST', '/cse-in/patient-1', {
            origin: 'CPatient1',
            body: { 'm2m:cnt': {} },
          }),
        4000,
        /resource type/,
      ],
      [
        'unknown ty',
        () => m2m.create('/cse-in/patient-1', 99, { 'm2m:cnt': {} }, 'CPatient1'),
        4000,
        /resource type 99/,
      ],
      [
        'ty not matching the content',
        () => m2m.create('/cse-in/patient-1', 3, { 'm2m:ae': {} }, 'CPatient1'),
        4000,
        /m2m:cnt/,
      ],
      [
        'unknown attribute',
        () => m2m.create('/cse-in/patient-1', 3, { 'm2m:cnt': { foo: 1 } }, 'CPatient1'),
        4000,
        /"foo" is not defined/,
      ],
      [
        'read-only attribute',
        () => m2m.create('/cse-in/patient-1', 3, { 'm2m:cnt': { cni: 4 } }, 'CPatient1'),
        4000,
        /"cni".*read-only/,
      ],
      [
        'wrong attribute type',
        () => m2m.create('/cse-in/patient-1', 3, { 'm2m:cnt': { mni: 'ten' } }, 'CPatient1'),
        4000,
        /"mni"/,
      ],
      [
        'missing mandatory attribute',
        () => m2m.create('/cse-in', 2, { 'm2m:ae': { api: 'Nx', srv: ['3'] } }, 'CNew'),
        4000,
        /"rr"/,
      ],
      [
        'invalid name',
        () => m2m.create('/cse-in/patient-1', 3, { 'm2m:cnt': { rn: 'a b' } }, 'CPatient1'),
        4000,
        /"rn"/,
      ],
      [
        'reserved name',
        () => m2m.create('/cse-in/patient-1', 3, { 'm2m:cnt': { rn: 'la' } }, 'CPatient1'),
        4000,
        /reserved/,
      ],
      [
        'oversize content',
        () =>
          m2m.create('/cse-in/patient-1', 4, { 'm2m:cin': { con: 'x'.repeat(5000) } }, 'CPatient1'),
        5207,
        /larger/,
      ],
      [
        'missing X-M2M-RI',
        () =>
          m2m.request('GET', '/cse-in/patient-1', {
            origin: 'CPatient1',
            headers: { 'X-M2M-RI': '' },
          }),
        4000,
        /X-M2M-RI/,
      ],
      [
        'missing X-M2M-Origin',
        () => m2m.request('GET', '/cse-in/patient-1', { origin: null }),
        4000,
        /X-M2M-Origin/,
      ],
      [
        'unsupported release',
        () =>
          m2m.request('GET', '/cse-in/patient-1', {
            origin: 'CPatient1',
            headers: { 'X-M2M-RVI': '9' },
          }),
        4001,
        /X-M2M-RVI/,
      ],
      ['unknown target', () => m2m.get('/cse-in/nowhere', 'CPatient1'), 4004, /no resource/],
      [
        'invalid child type',
        () =>
          m2m.create(
            '/cse-in/patient-1/inbox',
            2,
            { 'm2m:ae': { api: 'Nx', rr: true, srv: ['3'] } },
            'CPatient1',
          ),
        4108,
        /cannot hold/,
      ],
      [
        'duplicate name',
        () => m2m.create('/cse-in/patient-1', 3, { 'm2m:cnt': { rn: 'inbox' } }, 'CPatient1'),
        4105,
        /already exists/,
      ],
      [
        'unsupported content type',
        () =>
          m2m.request('POST', '/cse-in/patient-1', {
            origin: 'CPatient1',
            raw: '<x/>',
            headers: { 'Content-Type': 'application/xml;ty=3' },
          }),
        4000,
        /not supported/,
      ],
      [
        'unknown query parameter',
        () => m2m.get('/cse-in/patient-1?foo=1', 'CPatient1'),
        4000,
        /"foo"/,
      ],
      [
        'bad filter value',
        () => m2m.get('/cse-in/patient-1?fu=1&lim=-1', 'CPatient1'),
        4000,
        /lim/,
      ],
      [
        'past expiration',
        () =>
          m2m.create('/cse-in/patient-1', 3, { 'm2m:cnt': { et: '20000101T000000' } }, 'CPatient1'),
        4000,
        /past/,
      ],
      [
        'unsupported method',
        () => m2m.request('PATCH', '/cse-in/patient-1', { origin: 'CPatient1' }),
        4005,
        /PATCH/,
      ],
    ];
    it.each(cases)('%s', async (_name, send, rsc, message) => {
      const before = (await m2m.get('/cse-in/patient-1?rcn=6', 'CPatient1')).body['m2m:rrl'].rrf
        .length;
      const res = await send();
      expect(res.rsc).toBe(rsc);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(String(res.body['m2m:dbg'])).toMatch(message);
      expect(
        (await m2m.get('/cse-in/patient-1?rcn=6', 'CPatient1')).body['m2m:rrl'].rrf.length,
      ).toBe(before);
    });
  });
});
