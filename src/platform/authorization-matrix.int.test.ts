import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../core/db/testing.js';
import { toBase64url } from '../crypto/encoding.js';
import { generateKeyPair } from '../crypto/hpke.js';
import { CONFIDENTIALITY, visibleAt, type Confidentiality } from '../protocol/levels.js';
import { signInWeb } from '../auth-server/testing.js';
import { CaregiverSession } from '../clients/caregiver/session.js';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform.js';

/**
 * The authorization matrix of issue 4 (item 9) through the platform's real
 * front door: every role, signed in through the OpenID provider (TOTP for
 * clinical roles), inside and outside one patient's care episode, against
 * every endpoint of /app and /auth/devices, and the key service at every RL.
 * The expected answers are written here from the rules (CONTRACTS.md,
 * policies/v1, docs/episodes.md, docs/break-glass.md), not read from the code;
 * a wrong answer either way (a leak or a lock-out) fails. The CSE's
 * containers at every RL are the subject of app-server/api/episode-matrix.
 */
const ROLES = [
  'patient',
  'doctor',
  'nurse',
  'responder',
  'family',
  'insurer',
  'researcher',
  'admin',
  'dpo',
] as const;
type Role = (typeof ROLES)[number];
const AL: Record<Role, Confidentiality | null> = {
  patient: 'V',
  doctor: 'R',
  nurse: 'N',
  responder: 'N',
  family: 'L',
  insurer: 'M',
  researcher: 'U',
  admin: null,
  dpo: null,
};
const CLINICAL: Role[] = ['doctor', 'nurse', 'responder'];
const HEARS_ALERTS: Role[] = ['patient', 'doctor', 'nurse', 'responder', 'family'];
const MANAGES_EPISODE: Role[] = ['patient', 'doctor'];
const MANAGES_DEVICES: Role[] = ['patient', 'doctor', 'nurse', 'family'];
const PT = 'pt-matrix';
const PASSWORD = 'matrix of roles and levels 2026';

describe.each(databaseTargets())('authorization matrix with provider tokens ($name)', (target) => {
  let platform: TestPlatform;
  const token: Record<string, string> = {};
  const sessions: CaregiverSession[] = [];
  const device: Record<string, string> = {};
  const who = (r: Role, inside: boolean) => `${r}-${inside ? 'in' : 'out'}`;
  const cases = ROLES.flatMap((role) =>
    [true, false].map((inside) => ({ role, inside, id: who(role, inside) })),
  );

  const call = async (id: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${platform.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token[id]}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const json = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
    return { status: res.status, error: json.error as string | undefined, body: json };
  };
  const answer = async (id: string, method: string, path: string, body?: unknown) => {
    const r = await call(id, method, path, body);
    return [r.status, r.error] as const;
  };

  beforeAll(async () => {
    platform = await startTestPlatform(target, {
      app: { enabled: true },
      auth: { enabled: true, rateLimitPerMinute: 10_000, apiTokens: false },
      cse: { requireTokens: true },
    });
    const app = platform.appServer!;
    const accounts = platform.authServer!.accounts;
    for (const c of cases) {
      await app.directory.addUser(c.id, c.role);
      const { totpSecret } = await accounts.create({ id: c.id, role: c.role, password: PASSWORD });
      token[c.id] = String(
        (await signInWeb(platform.url, c.id, PASSWORD, totpSecret)).access_token,
      );
      const res = await call(c.id, 'POST', '/app/devices', {
        publicKey: toBase64url((await generateKeyPair()).pair.publicRaw),
      });
      expect(res.status, `${c.id} registers a device`).toBe(201);
      device[c.id] = res.body.device as string;
    }
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw-matrix', publicKey: (await generateKeyPair()).pair.publicRaw },
      patient: who('patient', true),
      team: ROLES.filter((r) => r !== 'patient').map((r) => who(r, true)),
    });
    // The outside patient is the patient of another episode, not of this one.
    await app.provision({
      pt: 'pt-elsewhere',
      gateway: { dev: 'gw-elsewhere', publicKey: (await generateKeyPair()).pair.publicRaw },
      patient: who('patient', false),
      team: [],
    });
  }, 120_000);

  afterAll(async () => {
    for (const s of sessions) await s.close();
    await platform.destroy();
  });

  it('GET /app/me lists the patient to participants only, at their level', async () => {
    for (const c of cases) {
      const me = await call(c.id, 'GET', '/app/me');
      expect(me.status, c.id).toBe(200);
      const entry = (me.body.patients as Array<{ pt: string; versions: string | null }>).find(
        (p) => p.pt === PT,
      );
      if (!c.inside) expect(entry, `${c.id} sees ${PT}`).toBeUndefined();
      else
        expect(entry?.versions ?? null, `${c.id} version`).toBe(
          AL[c.role] && `/cse-in/tutela/${PT}/rl-${AL[c.role]}`,
        );
    }
  });

  it('POST /app/keys releases each RL only to participants whose level reaches it', async () => {
    const epoch = await platform.appServer!.keyring.currentEpoch(PT);
    for (const c of cases)
      for (const rl of CONFIDENTIALITY) {
        const al = AL[c.role];
        const expected = !c.inside
          ? [403, 'not_in_episode']
          : al && visibleAt(rl, al)
            ? [200, undefined]
            : [403, 'level_not_allowed'];
        expect(
          await answer(c.id, 'POST', '/app/keys', { pt: PT, rl, epoch, device: device[c.id] }),
          `${c.id} key ${rl}`,
        ).toEqual(expected);
      }
  });

  it('POST /app/subscriptions: versions for readers, alerts for the people who care', async () => {
    for (const c of cases) {
      // A subscription notifies the person's own AE, which the CSE verifies over the person's
      // open channel: their client (the CLI's session) registers the AE and listens first.
      const session = new CaregiverSession({
        baseUrl: platform.url,
        token: token[c.id]!,
        stateDir: join(platform.dataDir, 'clients', c.id),
      });
      sessions.push(session);
      await session.start();
      await session.listen(
        () => undefined,
        () => undefined,
      );
      const reads = c.inside && AL[c.role] !== null;
      expect(
        await answer(c.id, 'POST', '/app/subscriptions', { pt: PT, kind: 'all' }),
        c.id,
      ).toEqual(
        !c.inside ? [403, 'not_in_episode'] : reads ? [201, undefined] : [403, 'level_not_allowed'],
      );
      expect(
        await answer(c.id, 'POST', '/app/subscriptions', { pt: PT, kind: 'alerts' }),
        `${c.id} alerts`,
      ).toEqual(
        !c.inside
          ? [403, 'not_in_episode']
          : !reads
            ? [403, 'level_not_allowed']
            : HEARS_ALERTS.includes(c.role)
              ? [201, undefined]
              : [403, 'not_allowed'],
      );
    }
  });

  it('devices: claim codes and the device list for the patient, doctor, nurse and family of the episode only', async () => {
    for (const c of cases) {
      const may = c.inside && MANAGES_DEVICES.includes(c.role);
      const claim = await answer(c.id, 'POST', '/auth/devices/claim-codes', { pt: PT });
      expect(claim, `${c.id} claim code`).toEqual(may ? [201, undefined] : [403, 'not_allowed']);
      const list = await answer(c.id, 'GET', `/auth/devices?pt=${PT}`);
      expect(list, `${c.id} lists devices`).toEqual(may ? [200, undefined] : [403, 'not_allowed']);
    }
  });

  it('emergency access for clinicians outside the episode only; notices for everyone, their own', async () => {
    for (const c of cases) {
      const res = await answer(c.id, 'POST', '/app/emergency', { pt: PT, reason: 'matrix' });
      expect(res, `${c.id} breaks the glass`).toEqual(
        c.inside
          ? [409, 'already_participant']
          : CLINICAL.includes(c.role)
            ? [201, undefined]
            : [403, 'not_allowed'],
      );
    }
    // Three grants were opened (doctor, nurse, responder from outside): the patient was told of each.
    for (const c of cases) {
      const notices = await call(c.id, 'GET', '/app/notices');
      expect(notices.status).toBe(200);
      const n = (notices.body.notices as unknown[]).length;
      expect(n, `${c.id} notices`).toBe(
        c.role === 'patient' && c.inside ? 3 : c.role === 'dpo' ? 3 : 0,
      );
    }
  });

  it('care episode: participants view, the patient and the treating doctor invite, outsiders nothing', async () => {
    for (const c of cases) {
      expect(await answer(c.id, 'GET', `/app/episodes/${PT}`), `${c.id} views`).toEqual(
        c.inside ? [200, undefined] : [403, 'not_in_episode'],
      );
      // Invite someone outside (the outside family member) and take them out again.
      const inv = await answer(c.id, 'POST', `/app/episodes/${PT}/participants`, {
        user: who('family', false),
        role: 'family',
      });
      const may = c.inside && MANAGES_EPISODE.includes(c.role);
      expect(inv, `${c.id} invites`).toEqual(
        !c.inside ? [403, 'not_in_episode'] : may ? [201, undefined] : [403, 'not_allowed'],
      );
      if (may)
        expect(
          await answer(c.id, 'DELETE', `/app/episodes/${PT}/participants/${who('family', false)}`),
          `${c.id} removes`,
        ).toEqual([200, undefined]);
    }
  });
});
