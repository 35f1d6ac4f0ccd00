import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../core/db/testing.js';
import { Rsc } from '../../core/errors.js';
import { M2MClient } from '../../core/m2m/index.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import type { AppServer } from '../app-server.js';
import type { User } from '../directory/directory.js';
import { caregiverAe, patientPaths } from '../layout/patient-layout.js';
import { appRequest } from '../../../test/support/app-request.js';

const PT = 'pt-bg';
const paths = patientPaths('cse-in', PT);
const REASON = 'found unconscious at home, no history on file';

describe.each(databaseTargets())('break the glass ($name)', (target) => {
  let platform: TestPlatform;
  let app: AppServer;
  const token: Record<string, string> = {};
  const clients: M2MClient[] = [];
  let now = Date.now();
  const oncall: User = { id: 'oncall', role: 'doctor', al: 'R', mfa: true };

  const call = (who: string, method: string, path: string, body?: unknown) =>
    appRequest(platform.url, String(token[who]), method, path, body);
  const cseAs = (user: string) => {
    const c = new M2MClient({ baseUrl: platform.url, origin: caregiverAe(user) });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    platform = await startTestPlatform(target, { app: { enabled: true } });
    app = platform.appServer!;
    // The grants' clock is the test's (expiry without waiting an hour).
    (app.emergency as unknown as { now: () => number }).now = () => now;
    for (const [id, role] of [
      ['pat', 'patient'],
      ['doc', 'doctor'],
      ['oncall', 'doctor'],
      ['fam', 'family'],
      ['dpo', 'dpo'],
      ['dpo2', 'dpo'],
    ] as const)
      token[id] = await app.directory.addUser(id, role);
    const gw = await generateKeyPair();
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw-bg', publicKey: gw.pair.publicRaw },
      patient: 'pat',
      team: ['doc'],
    });
    await cseAs('oncall').registerAe('/cse-in', 'u-oncall');
  });

  afterAll(async () => {
    for (const c of clients) await c.close();
    await platform.destroy();
  });

  it('refuses without a second factor, without a reason, to roles it is not for, and to participants', async () => {
    expect(
      await call('oncall', 'POST', '/app/emergency', { pt: PT, reason: REASON }),
    ).toMatchObject({ status: 403, body: { error: 'mfa_required' } });
    expect(await call('oncall', 'POST', '/app/emergency', { pt: PT })).toMatchObject({
      status: 400,
    });
    await expect(app.emergency.open(PT, oncall, '   ')).rejects.toMatchObject({
      code: 'reason_required',
    });
    await expect(
      app.emergency.open(PT, { id: 'fam', role: 'family', al: 'L', mfa: true }, REASON),
    ).rejects.toMatchObject({ code: 'not_allowed' });
    await expect(
      app.emergency.open(PT, { id: 'doc', role: 'doctor', al: 'R', mfa: true }, REASON),
    ).rejects.toMatchObject({ code: 'already_participant' });
    await expect(app.emergency.open(PT, oncall, REASON, 241)).rejects.toMatchObject({
      code: 'bad_request',
    });
    const refused = (await app.audit.recent(50, PT)).filter(
      (e) => e.action === 'emergency.open' && e.outcome === 'refused',
    );
    // Every refusal of a well-formed request is audited (mfa, reason, role, participant).
    expect(refused.map((e) => e.detail.split(' ')[0])).toHaveLength(4);
    // The CSE admits nobody from outside meanwhile.
    expect((await cseAs('oncall').request('GET', paths.rl('R'))).rsc).toBe(
      Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
    );
  });

  it('opens time-limited access to the R version, tells the patient and every DPO, and ends on time', async () => {
    const grant = await app.emergency.open(PT, oncall, REASON, 30);
    expect(grant.expiresAt - grant.openedAt).toBe(30 * 60_000);
    expect(await app.emergency.active(PT, 'oncall')).toMatchObject({ id: grant.id });

    // The CSE now admits the holder to rl-R (not V); the policies release R keys for ETREAT.
    expect((await cseAs('oncall').request('GET', paths.rl('R'))).rsc).toBe(Rsc.OK);
    expect((await cseAs('oncall').request('GET', paths.rl('V'))).rsc).toBe(
      Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
    );
    const decide = (rl: 'R' | 'V') =>
      app.access.decide(oncall, 'releaseKey', { kind: 'version', pt: PT, rl }, undefined, {
        breakGlass: true,
        epoch: 1,
      }).allowed;
    expect([decide('R'), decide('V')]).toEqual([true, false]);

    // The patient and both DPOs are told who, when, until when and why; nobody else is.
    for (const who of ['pat', 'dpo', 'dpo2']) {
      const res = await call(who, 'GET', '/app/notices');
      expect(res.status).toBe(200);
      expect(res.body.notices).toEqual([
        expect.objectContaining({
          kind: 'emergency_access',
          pt: PT,
          readAt: null,
          grant: expect.objectContaining({
            id: grant.id,
            by: 'oncall',
            role: 'doctor',
            reason: REASON,
          }),
        }),
      ]);
    }
    expect((await call('doc', 'GET', '/app/notices')).body.notices).toEqual([]);
    const notice = (
      (await call('pat', 'GET', '/app/notices')).body.notices as Array<{ id: string }>
    )[0]!;
    expect((await call('pat', 'POST', `/app/notices/${notice.id}/read`)).status).toBe(204);
    expect((await call('dpo', 'POST', `/app/notices/${notice.id}/read`)).status).toBe(404);

    // The reason is sealed at rest: no row holds it in clear.
    const row = await app.database.db
      .selectFrom('emergency_access')
      .selectAll()
      .where('id', '=', grant.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain('unconscious');

    // Time passes: the grant ends by itself, the CSE stops admitting the holder, and it is audited.
    now += 31 * 60_000;
    expect(await app.emergency.active(PT, 'oncall')).toBeUndefined();
    expect(await app.emergency.expireDue()).toBe(1);
    expect((await cseAs('oncall').request('GET', paths.rl('R'))).rsc).toBe(
      Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
    );
    const audit = (await app.audit.recent(50, PT)).map((e) => [e.action, e.outcome]);
    expect(audit).toEqual(
      expect.arrayContaining([
        ['emergency.open', 'ok'],
        ['emergency.close', 'ok'],
      ]),
    );
    const closed = (await call('pat', 'GET', '/app/notices')).body.notices as Array<{
      grant: { closedBy: string };
    }>;
    expect(closed[0]!.grant.closedBy).toBe('expiry');
  });

  it('lets the patient end a grant at once, and nobody else but its holder', async () => {
    const grant = await app.emergency.open(PT, oncall, REASON);
    const res = await call('fam', 'DELETE', `/app/emergency/${grant.id}`);
    expect(res).toMatchObject({ status: 404, body: { error: 'unknown_grant' } });
    const ended = await call('pat', 'DELETE', `/app/emergency/${grant.id}`);
    expect(ended).toMatchObject({
      status: 200,
      body: { grant: { id: grant.id, closedBy: 'pat' } },
    });
    expect(await app.emergency.active(PT, 'oncall')).toBeUndefined();
    expect((await cseAs('oncall').request('GET', paths.rl('R'))).rsc).toBe(
      Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
    );
  });

  it('keeps the reason unreadable once the patient is erased', async () => {
    await app.keyring.shred(PT);
    const notices = (await call('dpo', 'GET', '/app/notices')).body.notices as Array<{
      grant: { reason: string | null };
    }>;
    expect(notices.length).toBeGreaterThan(0);
    expect(notices.every((n) => n.grant.reason === null)).toBe(true);
  });
});
