import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rsc } from '../../core/errors.js';
import { databaseTargets } from '../../core/db/testing.js';
import { M2MClient } from '../../core/m2m/index.js';
import { toBase64url } from '../../crypto/encoding.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import type { AppServer } from '../app-server.js';
import { caregiverAe, patientPaths } from '../layout/patient-layout.js';

const PT = 'pt-7';
const paths = patientPaths('cse-in', PT);

describe.each(databaseTargets())('alerts API ($name)', (target) => {
  let platform: TestPlatform;
  let app: AppServer;
  const token: Record<string, string> = {};
  const device: Record<string, string> = {};
  let cse: M2MClient;
  let ext: M2MClient;

  const call = async (who: string | null, method: string, path: string) => {
    const res = await fetch(`${platform.url}${path}`, {
      method,
      headers: who ? { authorization: `Bearer ${token[who] ?? who}` } : {},
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const raise = (cl: 'high' | 'medium' | 'low-medium', rule = 'news2', text = `NEWS2 of ${cl}`) =>
    app.alerts.engine.observe(PT, [{ rule, cl, text }], [rule]);
  const openAlert = async (rule = 'news2') => {
    const rows = await app.database.db
      .selectFrom('alerts')
      .select('id')
      .where('pt', '=', PT)
      .where('rule', '=', rule)
      .where('state', '<>', 'resolved')
      .execute();
    return rows[0]!.id;
  };
  const keyR = (who: string, purposeOfUse = 'ETREAT') =>
    fetch(`${platform.url}/app/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token[who]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pt: PT, rl: 'R', epoch: 1, device: device[who], purposeOfUse }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  beforeAll(async () => {
    platform = await startTestPlatform(target, { app: { enabled: true } });
    app = platform.appServer!;
    for (const [id, role] of [
      ['pat', 'patient'],
      ['doc', 'doctor'],
      ['nur', 'nurse'],
      ['resp', 'responder'],
      ['fam', 'family'],
      ['ins', 'insurer'],
      ['out', 'doctor'],
      ['ext', 'responder'],
    ] as const) {
      token[id] = await app.directory.addUser(id, role);
      const res = await call(id, 'GET', '/app/me');
      expect(res.status).toBe(200);
      const dev = await fetch(`${platform.url}/app/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token[id]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ publicKey: toBase64url((await generateKeyPair()).pair.publicRaw) }),
      });
      device[id] = ((await dev.json()) as { device: string }).device;
    }
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw7', publicKey: (await generateKeyPair()).pair.publicRaw },
      patient: 'pat',
      team: ['doc', 'nur', 'resp', 'fam', 'ins'],
    });
    cse = new M2MClient({ baseUrl: platform.url, origin: caregiverAe('resp') });
    await cse.registerAe('/cse-in', 'u-resp');
    ext = new M2MClient({ baseUrl: platform.url, origin: caregiverAe('ext') });
    await ext.registerAe('/cse-in', 'u-ext');
  });

  afterAll(async () => {
    await cse?.close();
    await ext?.close();
    await platform?.destroy();
  });

  it('refuses callers without a token (401) and malformed ids (400)', async () => {
    expect(await call(null, 'GET', '/app/alerts')).toMatchObject({
      status: 401,
      body: { error: 'unauthenticated' },
    });
    expect(await call('nur', 'GET', '/app/alerts/not%20an%20id')).toMatchObject({
      status: 400,
      body: { error: 'bad_request' },
    });
    expect((await call('nur', 'POST', '/app/alerts/al-../resolve')).status).toBeGreaterThanOrEqual(
      400,
    );
  });

  it('a responder reads R (the location) only while a high alert is open', async () => {
    expect(await keyR('resp')).toMatchObject({ status: 403, body: { error: 'level_not_allowed' } });
    expect((await cse.request('GET', paths.rl('R'))).rsc).toBe(Rsc.ORIGINATOR_HAS_NO_PRIVILEGE);
    await raise('high');
    expect((await keyR('resp')).status).toBe(200);
    // Emergency treatment must be the stated purpose (responder.cedar).
    expect((await keyR('resp', 'TREAT')).status).toBe(403);
    // The per-RL ACPs admit the responder's AE to R for now (refreshed when the alert opened).
    expect((await cse.request('GET', paths.rl('R'))).rsc).toBe(Rsc.OK);
    expect((await keyR('nur')).status).toBe(403); // a nurse gains nothing from it
    expect((await call('doc', 'POST', `/app/alerts/${await openAlert()}/resolve`)).status).toBe(
      200,
    );
    expect(await keyR('resp')).toMatchObject({ status: 403, body: { error: 'level_not_allowed' } });
    expect((await cse.request('GET', paths.rl('R'))).rsc).toBe(Rsc.ORIGINATOR_HAS_NO_PRIVILEGE);
  });

  it('lists the caller’s alerts, open first, highest CL first, each as their AL allows', async () => {
    await raise('medium', 'stale-data', 'no reading for 20 minutes');
    await raise('high', 'news2', 'NEWS2 9');
    const nurse = await call('nur', 'GET', '/app/alerts');
    expect(nurse.status).toBe(200);
    const list = nurse.body.alerts as Array<Record<string, unknown>>;
    expect(list.map((a) => [a.state === 'resolved', a.cl])).toEqual([
      [false, 'high'],
      [false, 'medium'],
      [true, 'high'],
    ]);
    expect(list[0]).toMatchObject({ view: 'full', rule: 'news2', text: 'NEWS2 9' });
    expect(list[0]!.alerted).toEqual(['doctor', 'responder']);

    const family = await call('fam', 'GET', '/app/alerts');
    const seen = family.body.alerts as Array<Record<string, unknown>>;
    expect(seen).toHaveLength(3);
    expect(seen[0]).toMatchObject({ view: 'minimal', cl: 'high', state: 'raised' });
    expect(JSON.stringify(family.body)).not.toMatch(/NEWS2|stale-data|no reading/);

    expect((await call('pat', 'GET', '/app/alerts')).body.alerts[0]).toMatchObject({
      view: 'full',
    });
    // Insurers do not hear about alerts (read.cedar); outsiders see nothing.
    expect((await call('ins', 'GET', '/app/alerts')).body).toEqual({ alerts: [] });
    expect((await call('out', 'GET', '/app/alerts')).body).toEqual({ alerts: [] });
  });

  it('shows one alert with its deliveries to the care team only; 404 to outsiders', async () => {
    const id = await openAlert();
    const doc = await call('doc', 'GET', `/app/alerts/${id}`);
    expect(doc.status).toBe(200);
    expect(doc.body.alert).toMatchObject({ id, view: 'full', text: 'NEWS2 9' });
    // Opening it is seeing it: the doctor was a recipient.
    expect(doc.body.deliveries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ recipient: 'doc', role: 'doctor', status: 'seen' }),
        expect.objectContaining({ recipient: 'resp', role: 'responder', status: 'queued' }),
      ]),
    );
    const fam = await call('fam', 'GET', `/app/alerts/${id}`);
    expect(fam.status).toBe(200);
    expect(fam.body).not.toHaveProperty('deliveries');
    expect(fam.body.alert).toMatchObject({ view: 'minimal' });
    for (const who of ['out', 'ins'])
      expect(await call(who, 'GET', `/app/alerts/${id}`)).toMatchObject({
        status: 404,
        body: { error: 'unknown_alert' },
      });
    expect(await call('doc', 'GET', '/app/alerts/al-doesnotexist')).toMatchObject({
      status: 404,
      body: { error: 'unknown_alert' },
    });
  });

  it('lets clinicians of the episode acknowledge, escalate, resolve; refuses the others, audited', async () => {
    const id = await openAlert();
    for (const who of ['fam', 'pat'])
      expect(await call(who, 'POST', `/app/alerts/${id}/acknowledge`)).toMatchObject({
        status: 403,
        body: { error: 'not_allowed' },
      });
    for (const who of ['out', 'ins'])
      expect(await call(who, 'POST', `/app/alerts/${id}/resolve`)).toMatchObject({
        status: 404,
        body: { error: 'unknown_alert' },
      });
    const ack = await call('resp', 'POST', `/app/alerts/${id}/acknowledge`);
    expect(ack).toMatchObject({
      status: 200,
      body: { alert: { state: 'acknowledged', acknowledgedBy: 'resp' } },
    });
    expect(await call('nur', 'POST', `/app/alerts/${id}/acknowledge`)).toMatchObject({
      status: 409,
      body: { error: 'already_acknowledged' },
    });
    expect(await call('nur', 'POST', `/app/alerts/${id}/escalate`)).toMatchObject({
      status: 200,
      body: { alert: { state: 'escalated', step: 1 } },
    });
    expect(await call('nur', 'POST', `/app/alerts/${id}/escalate`)).toMatchObject({
      status: 409,
      body: { error: 'no_further_step' },
    });
    expect(await call('doc', 'POST', `/app/alerts/${id}/resolve`)).toMatchObject({
      status: 200,
      body: { alert: { state: 'resolved', resolvedBy: 'doc' } },
    });
    expect(await call('doc', 'POST', `/app/alerts/${id}/resolve`)).toMatchObject({
      status: 409,
      body: { error: 'alert_resolved' },
    });
    const audit = (await app.audit.recent(200, PT)).filter((a) => a.action.startsWith('alert.'));
    const entries = audit.map((a) => `${a.actor} ${a.action} ${a.outcome}`);
    expect(entries).toEqual(
      expect.arrayContaining([
        'fam alert.acknowledge refused',
        'pat alert.acknowledge refused',
        'resp alert.acknowledged ok',
        'nur alert.escalated ok',
        'doc alert.resolved ok',
        'doc alert.resolve refused',
      ]),
    );
    expect(JSON.stringify(audit)).not.toContain('NEWS2');
  });

  it('a responder who broke the glass is admitted to R too, only while a high alert is open', async () => {
    // (Their key release also needs a second factor, which interim API tokens do not carry.)
    await app.emergency.open(
      PT,
      { id: 'ext', role: 'responder', al: 'N', mfa: true },
      'called to the patient’s home',
    );
    expect((await ext.request('GET', paths.rl('N'))).rsc).toBe(Rsc.OK);
    expect((await ext.request('GET', paths.rl('R'))).rsc).toBe(Rsc.ORIGINATOR_HAS_NO_PRIVILEGE);
    await raise('high');
    expect((await ext.request('GET', paths.rl('R'))).rsc).toBe(Rsc.OK);
    await app.alerts.engine.resolve(await openAlert(), 'doc');
    expect((await ext.request('GET', paths.rl('R'))).rsc).toBe(Rsc.ORIGINATOR_HAS_NO_PRIVILEGE);
  });
});
