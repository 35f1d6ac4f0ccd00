import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../../core/db/testing.js';
import { fromBase64url } from '../../crypto/encoding.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import { openSettings } from '../settings/seal.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import type { AppServer } from '../app-server.js';
import { appRequest } from '../../../test/support/app-request.js';

const PT = 'pt-6';
const URL = `/app/patients/${PT}/settings`;

const GOOD = {
  spo2Scale: 2,
  spo2Target: { low: 86, high: 90 },
  thresholds: {
    spo2: { below: 84 },
    respiratoryRate: { below: 9, above: 27, cl: 'high' },
  },
};

describe.each(databaseTargets())('patient settings API ($name)', (target) => {
  let platform: TestPlatform;
  let app: AppServer;
  const token: Record<string, string> = {};

  const call = (who: string, method: string, path: string, body?: unknown) =>
    appRequest(platform.url, token[who] ?? who, method, path, body);
  const audit = async (action: string) =>
    (await app.audit.recent(200, PT)).filter((e) => e.action === action);

  beforeAll(async () => {
    platform = await startTestPlatform(target, { app: { enabled: true } });
    app = platform.appServer!;
    for (const [id, role] of [
      ['pat', 'patient'],
      ['doc', 'doctor'],
      ['nur', 'nurse'],
      ['fam', 'family'],
      ['out', 'doctor'],
    ] as const)
      token[id] = await app.directory.addUser(id, role);
    const gw = await generateKeyPair();
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw6', publicKey: gw.pair.publicRaw },
      patient: 'pat',
      team: ['doc', 'nur', 'fam'],
    });
  });

  afterAll(async () => {
    await platform.destroy();
  });

  it('shows the defaults before anyone set anything', async () => {
    const res = await call('doc', 'GET', URL);
    expect(res).toEqual({
      status: 200,
      body: {
        pt: PT,
        spo2Scale: 1,
        spo2Target: null,
        thresholds: {},
        updatedAt: null,
        updatedBy: null,
      },
    });
  });

  it('lets a doctor of the episode set them; the care team and the patient read them', async () => {
    const put = await call('doc', 'PUT', URL, GOOD);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ ...GOOD, updatedBy: 'doc', updatedAt: expect.any(Number) });
    for (const who of ['nur', 'pat', 'doc']) {
      const got = await call(who, 'GET', URL);
      expect(got.status).toBe(200);
      expect(got.body).toMatchObject(GOOD);
    }
    // The pipeline sees them at once (this process dropped its cached copy).
    expect(await app.settings.get(PT)).toMatchObject(GOOD);
    const [entry] = await audit('settings.change');
    expect(entry).toMatchObject({ actor: 'doc', outcome: 'ok' });
    // Which signs have limits, not the limits themselves.
    expect(entry!.detail).toBe('scale 2; thresholds: respiratoryRate,spo2; target: set');
  });

  it('keeps the scale in clear and the rest sealed at rest', async () => {
    const db = app.database.db;
    const patient = await db
      .selectFrom('patients')
      .select('spo2_scale')
      .where('pt', '=', PT)
      .executeTakeFirstOrThrow();
    expect(patient.spo2_scale).toBe(2);
    const row = await db
      .selectFrom('patient_settings')
      .selectAll()
      .where('pt', '=', PT)
      .executeTakeFirstOrThrow();
    expect(row.sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    const bytes = Buffer.from(fromBase64url(row.sealed)).toString('latin1');
    for (const clear of ['below', 'threshold', 'respiratoryRate', '"low"'])
      expect(bytes).not.toContain(clear);
    // …and it opens, with the patient's key only, to what the doctor set.
    const opened = JSON.parse(await openSettings(app.keyring, row)) as unknown;
    expect(opened).toEqual({ spo2Target: GOOD.spo2Target, thresholds: GOOD.thresholds });
    await expect(openSettings(app.keyring, { ...row, pt: 'pt-other' })).rejects.toThrow();
  });

  it('replaces the whole settings: back to scale 1 drops the target range', async () => {
    const put = await call('doc', 'PUT', URL, { spo2Scale: 1 });
    expect(put.status).toBe(200);
    expect((await call('nur', 'GET', URL)).body).toMatchObject({
      spo2Scale: 1,
      spo2Target: null,
      thresholds: {},
    });
  });

  it('refuses a nurse, the family, the patient and an outsider to change them, and audits it', async () => {
    const before = (await audit('settings.change')).length;
    for (const [who, code] of [
      ['nur', 'not_allowed'],
      ['pat', 'not_allowed'],
      ['fam', 'not_allowed'],
      ['out', 'not_in_episode'],
    ] as const) {
      const res = await call(who, 'PUT', URL, GOOD);
      expect(res.status, who).toBe(403);
      expect(res.body.error, who).toBe(code);
    }
    const refused = (await audit('settings.change')).slice(0, 4);
    expect((await audit('settings.change')).length).toBe(before + 4);
    expect(refused.every((e) => e.outcome === 'refused')).toBe(true);
    expect((await call('doc', 'GET', URL)).body.spo2Scale).toBe(1);
  });

  it('refuses to show them to the family and to outsiders, alike for an unknown patient', async () => {
    expect((await call('fam', 'GET', URL)).body.error).toBe('not_allowed');
    expect(await call('out', 'GET', URL)).toMatchObject({
      status: 403,
      body: { error: 'not_in_episode' },
    });
    expect(await call('doc', 'GET', '/app/patients/pt-404/settings')).toMatchObject({
      status: 403,
      body: { error: 'not_in_episode' },
    });
    expect((await call('nobody', 'GET', URL)).status).toBe(401);
  });

  it.each([
    ['a target range out of 80–100', { spo2Scale: 2, spo2Target: { low: 79, high: 92 } }],
    ['a target range upside down', { spo2Scale: 2, spo2Target: { low: 92, high: 88 } }],
    ['a target range on scale 1', { spo2Scale: 1, spo2Target: { low: 88, high: 92 } }],
    ['scale 3', { spo2Scale: 3 }],
    ['no scale', { thresholds: {} }],
    ['an unknown sign', { spo2Scale: 1, thresholds: { glucose: { below: 4 } } }],
    ['a limit out of range', { spo2Scale: 1, thresholds: { spo2: { below: 900 } } }],
    ['a limit with no bound', { spo2Scale: 1, thresholds: { pulse: {} } }],
    ['bounds out of order', { spo2Scale: 1, thresholds: { pulse: { below: 120, above: 50 } } }],
    ['a CL of low', { spo2Scale: 1, thresholds: { pulse: { above: 120, cl: 'low' } } }],
    ['an unknown property', { spo2Scale: 1, note: 'x' }],
    ['a string for a number', { spo2Scale: 1, thresholds: { pulse: { above: '120' } } }],
  ])('answers 400 to %s', async (_what, body) => {
    const res = await call('doc', 'PUT', URL, body);
    expect(res.status).toBe(400);
    expect(['bad_request', 'invalid_settings']).toContain(res.body.error);
    expect(res.body.message).toEqual(expect.any(String));
  });

  it('answers 400 to a malformed patient id', async () => {
    expect((await call('doc', 'GET', '/app/patients/pt%20x/settings')).status).toBe(400);
  });
});
