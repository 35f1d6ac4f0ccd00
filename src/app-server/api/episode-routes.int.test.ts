import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rsc } from '../../core/errors.js';
import { databaseTargets } from '../../core/db/testing.js';
import { M2MClient } from '../../core/m2m/index.js';
import { toBase64url } from '../../crypto/encoding.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import type { AppServer } from '../app-server.js';
import { caregiverAe, patientPaths } from '../layout/patient-layout.js';
import { appRequest } from '../../../test/support/app-request.js';

const PT = 'pt-5';
const paths = patientPaths('cse-in', PT);

describe.each(databaseTargets())('care episodes API ($name)', (target) => {
  let platform: TestPlatform;
  let app: AppServer;
  const token: Record<string, string> = {};
  const device: Record<string, string> = {};
  const clients: M2MClient[] = [];

  const call = (who: string, method: string, path: string, body?: unknown) =>
    appRequest(platform.url, token[who] ?? who, method, path, body);
  const invite = (who: string, body: unknown, pt = PT) =>
    call(who, 'POST', `/app/episodes/${pt}/participants`, body);
  const remove = (who: string, user: string, pt = PT) =>
    call(who, 'DELETE', `/app/episodes/${pt}/participants/${user}`);
  const key = (who: string, epoch: number, rl = 'L') =>
    call(who, 'POST', '/app/keys', { pt: PT, rl, epoch, device: device[who] });
  const cseAs = (user: string) => {
    const c = new M2MClient({ baseUrl: platform.url, origin: caregiverAe(user) });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    platform = await startTestPlatform(target, { app: { enabled: true } });
    app = platform.appServer!;
    for (const [id, role] of [
      ['pat', 'patient'],
      ['doc', 'doctor'],
      ['nur', 'nurse'],
      ['fam', 'family'],
      ['fam2', 'family'],
      ['nur2', 'nurse'],
      ['out', 'doctor'],
      ['dpo', 'dpo'],
      ['pat2', 'patient'],
    ] as const) {
      token[id] = await app.directory.addUser(id, role);
      const res = await call(id, 'POST', '/app/devices', {
        publicKey: toBase64url((await generateKeyPair()).pair.publicRaw),
      });
      device[id] = res.body.device as string;
    }
    const gw = await generateKeyPair();
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw5', publicKey: gw.pair.publicRaw },
      patient: 'pat',
      team: ['doc', 'nur'],
    });
    for (const id of ['fam', 'fam2', 'nur2', 'dpo'])
      await cseAs(id).registerAe('/cse-in', `u-${id}`);
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await platform.destroy();
  });

  it('shows the episode to the patient and its participants, with each one’s role and AL', async () => {
    const res = await call('pat', 'GET', `/app/episodes/${PT}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ pt: PT, episode: expect.any(String) });
    const people = res.body.participants as Array<Record<string, unknown>>;
    // The patient first; the others joined together at provisioning (order by join time, then id).
    expect(people.map((p) => [p.user, p.role, p.al, p.history, p.invitedBy])).toEqual([
      ['pat', 'patient', 'V', true, 'system'],
      ['doc', 'doctor', 'R', true, 'system'],
      ['nur', 'nurse', 'N', false, 'system'],
    ]);
    expect(typeof people[0]!.joinedAt).toBe('number');
    expect((await call('nur', 'GET', `/app/episodes/${PT}`)).status).toBe(200);
    const me = await call('pat', 'GET', '/app/me');
    expect(me.body).toMatchObject({
      id: 'pat',
      role: 'patient',
      patients: [{ pt: PT, role: 'patient', al: 'V', versions: paths.rl('V') }],
    });
  });

  it('shows nothing to outsiders, whether or not the patient exists', async () => {
    for (const pt of [PT, 'pt-404'])
      for (const [method, path, body] of [
        ['GET', `/app/episodes/${pt}`, undefined],
        ['POST', `/app/episodes/${pt}/participants`, { user: 'fam', role: 'family' }],
        ['DELETE', `/app/episodes/${pt}/participants/nur`, undefined],
      ] as const) {
        const res = await call('out', method, path, body);
        expect(res).toMatchObject({ status: 403, body: { error: 'not_in_episode' } });
      }
    expect((await call('nobody-at-all-1234567', 'GET', `/app/episodes/${PT}`)).status).toBe(401);
    const refused = (await app.audit.recent(50, PT)).filter(
      (e) => e.actor === 'out' && e.outcome === 'refused',
    );
    expect(refused.map((e) => e.action).sort()).toEqual([
      'episode.invite',
      'episode.remove',
      'episode.view',
    ]);
  });

  it('refuses bodies it does not understand and invitations the roles do not allow', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ user: 'fam', role: 'family', extra: 1 }, 400, 'bad_request'],
      [{ user: 'fam', role: 'cousin' }, 400, 'bad_request'],
      [{ user: 'fam', role: 'family', al: 'X' }, 400, 'bad_request'],
      [{ user: 'fam', role: 'family', history: 'yes' }, 400, 'bad_request'],
      [{ role: 'family' }, 400, 'bad_request'],
      [{ user: 'fam', role: 'doctor' }, 400, 'role_mismatch'],
      [{ user: 'fam', role: 'family', al: 'N' }, 400, 'level_not_allowed'],
      [{ user: 'dpo', role: 'dpo', al: 'U' }, 403, 'not_allowed'],
      [{ user: 'ghost', role: 'family' }, 404, 'unknown_user'],
      [{ user: 'pat2', role: 'patient' }, 403, 'not_allowed'],
      [{ user: 'nur', role: 'nurse' }, 409, 'already_participant'],
    ];
    for (const [body, status, error] of cases)
      expect(await invite('pat', body), JSON.stringify(body)).toMatchObject({
        status,
        body: { error },
      });
    // A nurse is a participant but does not manage the episode.
    expect(await invite('nur', { user: 'fam', role: 'family' })).toMatchObject({
      status: 403,
      body: { error: 'not_allowed' },
    });
    expect((await call('pat', 'DELETE', `/app/episodes/${PT}/participants/a%20b`)).status).toBe(
      400,
    );
  });

  it('gives an invited participant access from now on, and earlier data only with history', async () => {
    const before = await app.keyring.currentEpoch(PT);
    // Not yet a participant: no key, and the CSE does not admit their AE.
    expect(await key('fam', before)).toMatchObject({
      status: 403,
      body: { error: 'not_in_episode' },
    });
    expect((await cseAs('fam').request('GET', paths.rl('L'))).rsc).toBe(
      Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
    );

    const res = await invite('pat', { user: 'fam', role: 'family' });
    expect(res.status).toBe(201);
    expect(res.body.participant).toMatchObject({
      user: 'fam',
      role: 'family',
      al: 'L',
      history: false,
      invitedBy: 'pat',
    });
    const joined = await app.keyring.currentEpoch(PT);
    expect(joined).toBe(before + 1);
    // From now: the new epoch's key at their AL, and the CSE admits them to rl-L and below only.
    expect((await key('fam', joined)).status).toBe(200);
    expect(await key('fam', joined, 'M')).toMatchObject({
      status: 403,
      body: { error: 'level_not_allowed' },
    });
    expect(await key('fam', before)).toMatchObject({
      status: 403,
      body: { error: 'history_not_allowed' },
    });
    expect((await cseAs('fam').request('GET', paths.rl('L'))).rsc).toBe(Rsc.OK);
    expect((await cseAs('fam').request('GET', paths.rl('U'))).rsc).toBe(Rsc.OK);
    expect((await cseAs('fam').request('GET', paths.rl('M'))).rsc).toBe(
      Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
    );

    // The treating doctor invites a nurse with history and a lower AL than a nurse's default.
    const n2 = await invite('doc', { user: 'nur2', role: 'nurse', al: 'M', history: true });
    expect(n2.body.participant).toMatchObject({ al: 'M', history: true, invitedBy: 'doc' });
    expect((await key('nur2', before, 'M')).status).toBe(200);
    expect((await key('nur2', before, 'N')).status).toBe(403);

    // Platform staff oversee through the audit log, never as participants (policies/v1/episode.cedar).
    expect(await invite('pat', { user: 'dpo', role: 'dpo' })).toMatchObject({
      status: 403,
      body: { error: 'not_allowed' },
    });
    expect((await cseAs('dpo').request('GET', paths.rl('U'))).rsc).toBe(
      Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
    );
    expect((await call('dpo', 'GET', '/app/me')).body).toMatchObject({ al: null, patients: [] });
    const audit = (await app.audit.recent(100, PT)).filter(
      (e) => e.action === 'episode.invite' && e.outcome === 'ok',
    );
    expect(audit.map((e) => e.actor)).toEqual(expect.arrayContaining(['pat', 'doc']));
  });

  it('lets the patient remove anyone but themselves, a participant leave, and nobody else remove', async () => {
    expect(await remove('nur', 'doc')).toMatchObject({
      status: 403,
      body: { error: 'not_allowed' },
    });
    expect(await remove('doc', 'pat')).toMatchObject({
      status: 409,
      body: { error: 'cannot_remove_patient' },
    });
    expect(await remove('pat', 'out')).toMatchObject({
      status: 404,
      body: { error: 'not_participant' },
    });
    expect((await remove('nur2', 'nur2')).status).toBe(200); // leaving
    expect((await remove('pat', 'fam')).status).toBe(200);
    expect(await remove('fam', 'nur')).toMatchObject({
      status: 403,
      body: { error: 'not_in_episode' },
    });
    const view = await call('pat', 'GET', `/app/episodes/${PT}`);
    const users = (view.body.participants as Array<{ user: string }>).map((p) => p.user);
    expect(users[0]).toBe('pat');
    expect(users.slice(1).sort()).toEqual(['doc', 'nur']);
    // Invited again later: a new participation, from the new moment on.
    const back = await invite('pat', { user: 'fam', role: 'family' });
    expect(back.status).toBe(201);
    expect((await key('fam', await app.keyring.currentEpoch(PT))).status).toBe(200);
  });

  it('keeps a removed participant out when the patient is provisioned again', async () => {
    await invite('pat', { user: 'fam2', role: 'family' });
    expect((await remove('pat', 'fam2')).status).toBe(200);
    const gw = await generateKeyPair();
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw5', publicKey: gw.pair.publicRaw },
      patient: 'pat',
      team: ['doc', 'nur', 'fam2'],
    });
    expect((await call('fam2', 'GET', `/app/episodes/${PT}`)).status).toBe(403);
  });
});
