import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rsc } from '../../core/errors.js';
import { databaseTargets } from '../../core/db/testing.js';
import { M2MClient } from '../../core/m2m/index.js';
import { toBase64url } from '../../crypto/encoding.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import { CONFIDENTIALITY, visibleAt } from '../../protocol/levels.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import type { AppServer } from '../app-server.js';
import { ROLE_AL, ROLES, type Role } from '../directory/roles.js';
import { caregiverAe, patientPaths } from '../layout/patient-layout.js';
import { appRequest } from '../../../test/support/app-request.js';

const PT = 'pt-m';
const MANAGERS: Role[] = ['patient', 'doctor'];

/**
 * Every role, inside and outside the patient's episode, against every
 * episode call and the key service at every RL. The expected answer is
 * written here from the rules (CONTRACTS.md, docs/episodes.md), not taken
 * from the code under test.
 */
describe.each(databaseTargets())('episode authorization matrix ($name)', (target) => {
  let platform: TestPlatform;
  let app: AppServer;
  const token: Record<string, string> = {};
  const device: Record<string, string> = {};
  const inside = (r: Role) => `${r}-in`;
  const outside = (r: Role) => `${r}-out`;

  const call = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await appRequest<{ error?: string }>(
      platform.url,
      String(token[who]),
      method,
      path,
      body,
    );
    return { status: res.status, error: res.body.error };
  };

  beforeAll(async () => {
    platform = await startTestPlatform(target, { app: { enabled: true } });
    app = platform.appServer!;
    const people: Array<[string, Role]> = [
      ...ROLES.flatMap((r): Array<[string, Role]> => [
        [inside(r), r],
        [outside(r), r],
      ]),
      ...ROLES.map((r): [string, Role] => [`victim-of-${r}`, 'family']),
      ...ROLES.map((r): [string, Role] => [`guest-of-${r}`, 'family']),
    ];
    for (const [id, role] of people) {
      token[id] = await app.directory.addUser(id, role);
      const res = await fetch(`${platform.url}/app/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token[id]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ publicKey: toBase64url((await generateKeyPair()).pair.publicRaw) }),
      });
      device[id] = ((await res.json()) as { device: string }).device;
    }
    for (const [pt, patient, others] of [
      [PT, inside('patient'), ROLES.filter((r) => r !== 'patient').map(inside)],
      ['pt-other', outside('patient'), []],
    ] as const)
      await app.provision({
        pt,
        gateway: { dev: `gw-${pt}`, publicKey: (await generateKeyPair()).pair.publicRaw },
        patient,
        team: [...others, ...(pt === PT ? ROLES.map((r) => `victim-of-${r}`) : [])],
      });
  });

  afterAll(async () => {
    await platform.destroy();
  });

  it('admits to the CSE containers of every RL only participants whose AL reaches it', async () => {
    const paths = patientPaths('cse-in', PT);
    for (const role of ROLES)
      for (const [who, isIn] of [
        [inside(role), true],
        [outside(role), false],
      ] as const) {
        const cse = new M2MClient({ baseUrl: platform.url, origin: caregiverAe(who) });
        try {
          await cse.registerAe('/cse-in', `u-${who}`);
          for (const rl of CONFIDENTIALITY) {
            const al = ROLE_AL[role];
            const admitted = isIn && al !== null && visibleAt(rl, al);
            for (const container of [paths.rl(rl), paths.alert(rl)])
              expect((await cse.request('GET', container)).rsc, `${who} reads ${container}`).toBe(
                admitted ? Rsc.OK : Rsc.ORIGINATOR_HAS_NO_PRIVILEGE,
              );
          }
        } finally {
          await cse.close();
        }
      }
  });

  it('releases a key at every RL only to participants whose AL in the episode reaches it', async () => {
    const epoch = await app.keyring.currentEpoch(PT);
    for (const role of ROLES)
      for (const [who, isIn] of [
        [inside(role), true],
        [outside(role), false],
      ] as const)
        for (const rl of CONFIDENTIALITY) {
          const al = ROLE_AL[role];
          const expected = !isIn
            ? [403, 'not_in_episode']
            : al !== null && visibleAt(rl, al)
              ? [200, undefined]
              : [403, 'level_not_allowed'];
          const res = await call(who, 'POST', '/app/keys', {
            pt: PT,
            rl,
            epoch,
            device: device[who],
          });
          expect([res.status, res.error], `${who} asks for ${rl}`).toEqual(expected);
        }
  });

  it('lets every participant view, only the patient and the treating doctor invite and remove, and no outsider anything', async () => {
    for (const role of ROLES) {
      const isManager = MANAGERS.includes(role);
      const me = inside(role);
      const view = await call(me, 'GET', `/app/episodes/${PT}`);
      expect(view.status, `${me} views`).toBe(200);
      const inv = await call(me, 'POST', `/app/episodes/${PT}/participants`, {
        user: `guest-of-${role}`,
        role: 'family',
      });
      expect([inv.status, inv.error], `${me} invites`).toEqual(
        isManager ? [201, undefined] : [403, 'not_allowed'],
      );
      const rem = await call(me, 'DELETE', `/app/episodes/${PT}/participants/victim-of-${role}`);
      expect([rem.status, rem.error], `${me} removes`).toEqual(
        isManager ? [200, undefined] : [403, 'not_allowed'],
      );

      const out = outside(role);
      for (const [method, path, body] of [
        ['GET', `/app/episodes/${PT}`, undefined],
        ['POST', `/app/episodes/${PT}/participants`, { user: `guest-of-${role}`, role: 'family' }],
        ['DELETE', `/app/episodes/${PT}/participants/${inside('nurse')}`, undefined],
      ] as const)
        expect(await call(out, method, path, body), `${out} ${method}`).toEqual({
          status: 403,
          error: 'not_in_episode',
        });
    }
    // Everyone but the patient may leave; the patient may not.
    for (const role of ROLES) {
      const me = inside(role);
      const res = await call(me, 'DELETE', `/app/episodes/${PT}/participants/${me}`);
      expect([res.status, res.error], `${me} leaves`).toEqual(
        role === 'patient' ? [409, 'cannot_remove_patient'] : [200, undefined],
      );
    }
  });
});
