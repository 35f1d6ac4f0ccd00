import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../core/db/testing.js';
import { silentLogger } from '../core/log.js';
import { M2MClient } from '../core/m2m/index.js';
import { loadOrCreateKeyFile } from '../crypto/key-file.js';
import { sealReading, type HpkeKeyPair } from '../crypto/hpke.js';
import { CaregiverSession, type OpenedVersion } from '../clients/caregiver/session.js';
import { Gateway } from '../patient-side/gateway/gateway.js';
import { Spool } from '../patient-side/gateway/spool.js';
import type { Reading } from '../protocol/reading.js';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform.js';
import type { AppServer } from './app-server.js';
import { startToggleProxy } from '../../test/support/toggle-proxy.js';
import { gatewayAe, patientPaths } from './layout/patient-layout.js';

const PT = 'pt-7';
const NOTE = 'felt dizzy after lunch';
const at = () => new Date().toISOString();

function vitals(over: {
  pulse: number;
  rr: number;
  spo2: number;
  sbp: number;
  temp: number;
  acvpu: 'A' | 'C';
}): Reading[] {
  return [
    { device: 'ox', metric: 'spo2', at: at(), value: over.spo2 },
    { device: 'ox', metric: 'pulse', at: at(), value: over.pulse },
    { device: 'ox', metric: 'supplementalOxygen', at: at(), on: false, flowLpm: 0 },
    { device: 'rr', metric: 'respiratoryRate', at: at(), value: over.rr },
    { device: 'bp', metric: 'bloodPressure', at: at(), systolic: over.sbp, diastolic: 71 },
    { device: 'th', metric: 'temperature', at: at(), value: over.temp },
    { device: 'cv', metric: 'consciousness', at: at(), value: over.acvpu },
  ];
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe.each(databaseTargets())('the monitoring pipeline end to end ($name)', (target) => {
  let platform: TestPlatform;
  let app: AppServer;
  let gwDir: string;
  let deviceKey: HpkeKeyPair;
  let gateway: Gateway;
  let nextReadings: Reading[] = [];
  const sessions = new Map<string, CaregiverSession>();
  const received = new Map<string, OpenedVersion[]>();
  const problems: string[] = [];
  const vias = new Set<string>();
  const clients: M2MClient[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform(target, { app: { enabled: true } });
    app = platform.appServer!;
    gwDir = mkdtempSync(join(tmpdir(), 'tutela-pipe-gw-'));
    deviceKey = await loadOrCreateKeyFile(join(gwDir, 'device.key'));
    const tokens: Record<string, string> = {};
    for (const [id, role] of [
      ['dr-a', 'doctor'],
      ['nurse-b', 'nurse'],
      ['ins-c', 'insurer'],
      ['fam-d', 'family'],
      ['er-e', 'responder'],
    ] as const)
      tokens[id] = await app.directory.addUser(id, role);
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw7', publicKey: deviceKey.publicRaw },
      team: Object.keys(tokens),
    });
    for (const [id, token] of Object.entries(tokens)) {
      const s = new CaregiverSession({
        baseUrl: platform.url,
        token,
        stateDir: join(gwDir, 'clients', id),
      });
      sessions.set(id, s);
      received.set(id, []);
      await s.start();
      await s.listen(
        (v, via) => {
          received.get(id)!.push(v);
          vias.add(`${id}:${via}`);
        },
        (m) => problems.push(`${id}: ${m}`),
      );
      await s.subscribe(PT, id === 'er-e' ? 'alerts' : 'all');
    }
    const cse = new M2MClient({ baseUrl: platform.url, origin: gatewayAe('gw7') });
    clients.push(cse);
    gateway = new Gateway({
      patient: PT,
      deviceId: 'gw7',
      deviceKey,
      appKey: { kid: app.appKey.kid, publicKey: app.appKey.pair.publicKey },
      cse,
      inbox: patientPaths('cse-in', PT).inbox,
      spool: new Spool(join(gwDir, 'gateway')),
      source: async () => ({
        readings: nextReadings,
        note: NOTE,
        location: { lat: 48.8566, lon: 2.3522 },
      }),
      tickMs: 60_000,
      log: silentLogger,
    });
  });

  afterAll(async () => {
    for (const s of sessions.values()) await s.close();
    for (const c of clients) await c.close();
    await platform.destroy();
    rmSync(gwDir, { recursive: true, force: true });
  });

  async function waitFor(cond: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
    if (!cond()) throw new Error(`timed out waiting for ${what}; problems: ${problems.join('; ')}`);
  }

  it('gives each caregiver the version their AL allows, decrypted on their own device', async () => {
    nextReadings = vitals({ pulse: 73, rr: 16, spo2: 97, sbp: 124, temp: 36.8, acvpu: 'A' });
    await gateway.tick();
    await waitFor(
      () => ['dr-a', 'nurse-b', 'ins-c', 'fam-d'].every((id) => received.get(id)!.length >= 1),
      'four versions',
    );
    const view = (id: string) => JSON.stringify(received.get(id)![0]!.content);
    expect(received.get('dr-a')![0]!.sealed).toMatchObject({ pt: PT, rl: 'R', cl: 'low' });
    expect(received.get('nurse-b')![0]!.sealed.rl).toBe('N');
    expect(received.get('ins-c')![0]!.sealed.rl).toBe('M');
    expect(received.get('fam-d')![0]!.sealed.rl).toBe('L');
    // Doctor (R): values, the note and the location.
    expect(view('dr-a')).toContain('"value":73');
    expect(view('dr-a')).toContain(NOTE);
    expect(view('dr-a')).toContain('48.8566');
    // Nurse (N): values, but neither the note nor the location.
    expect(view('nurse-b')).toContain('"value":73');
    expect(view('nurse-b')).not.toContain(NOTE);
    expect(view('nurse-b')).not.toContain('48.8566');
    // Insurer (M) and family (L): that vital signs were taken, no value; visibly masked.
    for (const id of ['ins-c', 'fam-d']) {
      expect(view(id)).not.toContain('"value":73');
      expect(view(id)).not.toContain(NOTE);
      expect(view(id)).toContain('masked');
      expect(view(id)).toContain('8867-4'); // a heart rate was measured
    }
    // Four views, all different.
    expect(new Set(['dr-a', 'nurse-b', 'ins-c', 'fam-d'].map(view)).size).toBe(4);
    // The responder subscribed to alerts only: a low-criticality tick does not reach them.
    expect(received.get('er-e')).toHaveLength(0);
  });

  it('routes a high-criticality tick to the alert subscriber too', async () => {
    nextReadings = vitals({ pulse: 135, rr: 27, spo2: 90, sbp: 88, temp: 39.4, acvpu: 'C' });
    await gateway.tick();
    await waitFor(
      () => received.get('er-e')!.length >= 1 && received.get('dr-a')!.length >= 2,
      'the alert',
    );
    expect(received.get('er-e')![0]!.sealed).toMatchObject({ rl: 'N', cl: 'high' });
    expect(JSON.stringify(received.get('er-e')![0]!.content)).toContain('"value":135');
    expect(received.get('dr-a')![1]!.sealed.cl).toBe('high');
    // The client can tell which subscription a version came through.
    expect(vias.has('er-e:alerts') && vias.has('dr-a:all') && !vias.has('er-e:all')).toBe(true);
    // The published reading fed the alert lifecycle (issue 5): one open high `news2` alert.
    await expect.poll(() => app.alerts.engine.hasOpenHigh(PT)).toBe(true);
    const [alert] = await app.alerts.reader.list([PT]);
    expect(alert).toMatchObject({ rule: 'news2', cl: 'high', state: 'raised' });
    expect(await app.alerts.engine.text(alert!.id)).toMatch(/^NEWS2 \d+/);
    // Stale data has no reading: the application server's timer hands it to the engine too.
    await app.onStale([
      { pt: PT, finding: { rule: 'stale-data', cl: 'medium', text: 'no reading for 10 min' } },
    ]);
    expect((await app.alerts.reader.list([PT])).map((a) => a.rule)).toContain('stale-data');
  });

  it('rejects and audits tampered, replayed, foreign and malformed readings without stopping', async () => {
    const cse = clients[0]!;
    const inbox = patientPaths('cse-in', PT).inbox;
    const batch = (seq: number) =>
      new TextEncoder().encode(
        JSON.stringify({ v: 1, patient: PT, gateway: 'gw7', seq, at: at(), readings: [] }),
      );
    const header = (seq: number) => ({ pt: PT, dev: 'gw7', seq, kid: app.appKey.kid });
    const good = await sealReading(batch(1000), header(1000), app.appKey.pair.publicKey, deviceKey);
    const tampered = {
      ...good,
      seq: 1001,
      ct: good.ct.slice(0, -2) + (good.ct.endsWith('AA') ? 'AB' : 'AA'),
    };
    const replay = await sealReading(batch(1), header(1), app.appKey.pair.publicKey, deviceKey);
    const stranger = await loadOrCreateKeyFile(join(gwDir, 'stranger.key'));
    const forged = await sealReading(
      batch(1002),
      header(1002),
      app.appKey.pair.publicKey,
      stranger,
    );
    for (const con of [
      JSON.stringify(tampered),
      JSON.stringify(replay),
      JSON.stringify(forged),
      'not json',
      '{"v":1}',
    ])
      await cse.createInstance(inbox, con);
    const reasons = async () =>
      (await app.audit.recent(50, PT))
        .filter((e) => e.action === 'reading.reject')
        .map((e) => e.detail.split(':')[0])
        .sort();
    for (let i = 0; i < 200 && (await reasons()).length < 5; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await reasons()).toEqual(['malformed', 'malformed', 'replay', 'tampered', 'tampered']);
    // The pipeline still runs.
    nextReadings = vitals({ pulse: 71, rr: 15, spo2: 98, sbp: 120, temp: 36.6, acvpu: 'A' });
    const before = received.get('nurse-b')!.length;
    await gateway.tick();
    await waitFor(() => received.get('nurse-b')!.length > before, 'a version after the rejections');
  });

  it('a caregiver whose connection drops reconnects and misses nothing', async () => {
    const proxy = await startToggleProxy(platform.url);
    const token = await app.directory.addUser('nurse-x', 'nurse');
    // Joining the team later: provisioning again brings the ACPs up to the new team.
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw7', publicKey: deviceKey.publicRaw },
      team: ['nurse-x'],
    });
    const s = new CaregiverSession({
      baseUrl: proxy.url,
      token,
      stateDir: join(gwDir, 'clients', 'nurse-x'),
    });
    sessions.set('nurse-x', s);
    const got: OpenedVersion[] = [];
    const dropped: string[] = [];
    await s.start();
    await s.listen(
      (v) => got.push(v),
      (m) => dropped.push(m),
    );
    await s.subscribe(PT, 'all');
    proxy.down();
    await waitFor(() => dropped.some((m) => m.includes('reconnecting')), 'the drop to be noticed');
    nextReadings = vitals({ pulse: 77, rr: 15, spo2: 97, sbp: 122, temp: 36.7, acvpu: 'A' });
    await gateway.tick(); // published while the nurse is away
    proxy.up();
    await waitFor(
      () => got.some((v) => JSON.stringify(v.content).includes('"value":77')),
      'the missed version',
    );
    await s.close();
    sessions.delete('nurse-x');
    await proxy.close();
  });

  it('a forged notification cannot make the application server delete anything outside the inbox', async () => {
    const { inbox_ri } = await app.database.db
      .selectFrom('patients')
      .select('inbox_ri')
      .where('pt', '=', PT)
      .executeTakeFirstOrThrow();
    // It names the patient's own container by its resource id too, as an attacker would.
    const rootRi = (
      (await app.cseClient.retrieve(patientPaths('cse-in', PT).root))['m2m:cnt'] as { ri: string }
    ).ri;
    for (const rn of ['..', '../rl-N', 'rl-N', '//evil.example/x'])
      await fetch(`${platform.url}/notify/app`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-m2m-ri': 'forged' },
        body: JSON.stringify({
          'm2m:sgn': { nev: { rep: { 'm2m:cin': { pi: inbox_ri, ri: rootRi, rn, con: 'junk' } } } },
        }),
      });
    const paths = patientPaths('cse-in', PT);
    for (const path of [paths.root, paths.inbox, paths.rl('N'), paths.alert('N')])
      expect((await app.cseClient.request('GET', path)).rsc, path).toBe(2000);
  });

  it('leaves nothing readable on disk or in either database: no note, no values, no FHIR', async () => {
    const needles = [NOTE, '48.8566', 'Observation', 'loinc', '"value":135'];
    const rows = [
      ...(await sql`select * from resources`.execute(platform.cse.ctx.db)).rows,
      ...(await sql`select * from notifications`.execute(platform.cse.ctx.db)).rows,
      ...(await sql`select * from audit`.execute(app.database.db)).rows,
    ];
    expect(rows.length).toBeGreaterThan(20);
    const dump = JSON.stringify(rows);
    for (const n of needles) expect(dump.includes(n), `${n} in a database row`).toBe(false);
    for (const file of filesUnder(platform.dataDir)) {
      const bytes = readFileSync(file).toString('latin1');
      for (const n of needles) expect(bytes.includes(n), `${n} in ${file}`).toBe(false);
    }
  });

  it('empties the inbox once readings are processed, and publishes nothing after erasure', async () => {
    const inbox = patientPaths('cse-in', PT).inbox;
    const admin = app.cseClient;
    const inboxCount = async () =>
      Number(
        ((await admin.request('GET', inbox)).body['m2m:cnt'] as { cni?: number } | undefined)
          ?.cni ?? -1,
      );
    for (let i = 0; i < 200 && (await inboxCount()) !== 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await inboxCount()).toBe(0);

    await app.keyring.shred(PT);
    const before = received.get('nurse-b')!.length;
    nextReadings = vitals({ pulse: 70, rr: 14, spo2: 98, sbp: 121, temp: 36.7, acvpu: 'A' });
    await gateway.tick();
    const erased = async () =>
      (await app.audit.recent(20, PT)).some((e) => e.detail.startsWith('patient_erased'));
    for (let i = 0; i < 200 && !(await erased()); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await erased()).toBe(true);
    expect(received.get('nurse-b')!.length).toBe(before);
    // The refused reading leaves the inbox right after its audit record: wait for that too.
    for (let i = 0; i < 200 && (await inboxCount()) !== 0; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(await inboxCount()).toBe(0);
  });
});
