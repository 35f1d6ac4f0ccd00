import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../core/db/testing.js';
import { silentLogger } from '../../core/log.js';
import type { M2MClient } from '../../core/m2m/index.js';
import { generateKeyPair, sealReading, type HpkeKeyPair } from '../../crypto/hpke.js';
import type { Reading } from '../../protocol/reading.js';
import { AuditLog } from '../audit/audit.js';
import { Assessor, DEFAULT_SETTINGS } from '../clinical/index.js';
import { GatewayRegistry } from '../devices/gateways.js';
import { Keyring } from '../keyring/index.js';
import { defaultRuleSet } from '../privacy/rules.js';
import { appMigrations, type AppTables } from '../store/index.js';
import { MonitoringPipeline, type Outcome, type PipelineDeps } from './pipeline.js';

/**
 * The pipeline with its assessment stage (issue 5 item 1), on a real
 * database and keyring, with a CSE that only records what is published:
 * a respiratory rate creeping up over three hours while NEWS2 stays low
 * comes out as a `trend.respiratoryRate` finding, and the versions carry
 * the combined CL.
 */
const PT = 'pt-9';
const T0 = Date.parse('2026-12-03T06:00:00Z');
const MIN = 60_000;

describe('monitoring pipeline: assessment beyond NEWS2', () => {
  let database: TestDatabase<AppTables>;
  let pipeline: MonitoringPipeline;
  let deps: PipelineDeps;
  let device: HpkeKeyPair;
  let app: HpkeKeyPair;
  const labels: string[][] = [];

  beforeAll(async () => {
    database = await openTestDatabase<AppTables>(
      { name: 'sqlite' },
      {
        zone: 'app',
        migrations: appMigrations,
      },
    );
    await database.db
      .insertInto('patients')
      .values({ pt: PT, spo2_scale: 1, inbox_ri: null, created_at: 0 })
      .execute();
    device = (await generateKeyPair()).pair;
    app = (await generateKeyPair()).pair;
    const gateways = new GatewayRegistry(database.db);
    await gateways.register('gw9', PT, device.publicRaw);
    const cse = {
      createInstance: async (_path: string, _con: string, o: { lbl: string[] }) => {
        labels.push(o.lbl);
        return 'created';
      },
    } as unknown as M2MClient;
    let now = T0;
    deps = {
      db: database.db,
      cse,
      cseRn: 'cse-in',
      appKey: { kid: 'app-k', pair: app },
      gateways,
      keyring: await Keyring.open(database, new Uint8Array(randomBytes(32))),
      rules: defaultRuleSet(),
      audit: new AuditLog(database.db),
      log: silentLogger,
      assessor: new Assessor({ now: () => (now += MIN) }),
      settingsOf: async () => DEFAULT_SETTINGS,
    };
    pipeline = new MonitoringPipeline(deps);
  });

  afterAll(async () => {
    await database.cleanup();
  });

  /** One tick; `septic` makes it score NEWS2 well above 7 (CL high). */
  async function sealed(seq: number, rr: number, septic = false): Promise<string> {
    const at = new Date(T0 + seq * 2 * MIN).toISOString();
    const readings: Reading[] = [
      { device: 'rr', metric: 'respiratoryRate', at, value: rr },
      { device: 'ox', metric: 'spo2', at, value: septic ? 88 : 97 },
      { device: 'ox', metric: 'supplementalOxygen', at, on: false, flowLpm: 0 },
      { device: 'ox', metric: 'pulse', at, value: septic ? 135 : 74 },
      { device: 'bp', metric: 'bloodPressure', at, systolic: septic ? 85 : 128, diastolic: 76 },
      { device: 'th', metric: 'temperature', at, value: 36.9 },
      { device: 'cv', metric: 'consciousness', at, value: 'A' },
    ];
    const batch = { v: 1, patient: PT, gateway: 'gw9', seq, at, readings };
    const envelope = await sealReading(
      new TextEncoder().encode(JSON.stringify(batch)),
      { pt: PT, dev: 'gw9', seq, kid: 'app-k' },
      app.publicKey,
      device,
    );
    return JSON.stringify(envelope);
  }

  async function tick(seq: number, rr: number): Promise<Outcome> {
    return pipeline.process(PT, await sealed(seq, rr));
  }

  it('finds a slowly rising respiratory rate while NEWS2 is low, and labels the versions with it', async () => {
    // Three hours at one tick every 2 min: 13 → 19 breaths/min, all scoring 0 on NEWS2.
    let first: Outcome | undefined;
    let last: Outcome | undefined;
    for (let i = 1; i <= 90; i++) {
      last = await tick(i, Math.round(13 + (6 * i) / 90));
      first ??= last;
    }
    expect(first).toMatchObject({ status: 'published', cl: 'low', score: 0, findings: [] });
    expect(last).toMatchObject({ status: 'published', score: 0, cl: 'low-medium' });
    if (last?.status !== 'published') throw new Error('not published');
    expect(last.findings).toEqual([
      expect.objectContaining({ rule: 'trend.respiratoryRate', cl: 'low-medium' }),
    ]);
    expect(last.assessed).toContain('trend.respiratoryRate');
    // The six versions of the last tick carry the combined CL, not NEWS2's.
    expect(labels.slice(-6).every((l) => l.includes('cl:low-medium'))).toBe(true);
    expect(labels.slice(0, 6).every((l) => l.includes('cl:low'))).toBe(true);
  });

  it('tells the alert lifecycle before publishing, and assesses a reading delivered twice once', async () => {
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const cse = {
      createInstance: async (path: string) => {
        events.push(`publish ${path.split('/').at(-1)}`);
        await held;
        return 'created';
      },
    } as unknown as M2MClient;
    const second = new MonitoringPipeline({
      ...deps,
      cse,
      observe: async (_pt, findings) => {
        events.push(`observe ${findings.map((f) => f.rule).join(',')}`);
      },
    });
    const septic = await sealed(500, 30, true);
    const first = second.process(PT, septic);
    const again = second.process(PT, septic);
    await new Promise((r) => setTimeout(r, 50));
    // Observed once, before the first version was even created; the copy waits for the original.
    expect(events[0]).toMatch(/^observe .*news2/);
    expect(events.filter((e) => e.startsWith('observe'))).toHaveLength(1);
    // The alert containers' six versions come first; each rl-* one follows its alert-* one.
    expect(events.slice(1)).toEqual(expect.arrayContaining(['publish alert-V', 'publish alert-U']));
    expect(events.slice(1)).toHaveLength(6);
    release();
    const [a, b] = await Promise.all([first, again]);
    expect(a).toMatchObject({ status: 'published', cl: 'high' });
    expect(b).toEqual(a);
    expect(events.filter((e) => e.startsWith('publish'))).toHaveLength(12);
  });
  it('answers an inbox delivery once assessed; one beyond a full queue, or not in an inbox, once published', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const removed: string[] = [];
    const cse = {
      createInstance: async () => {
        await held;
        return 'created';
      },
      request: async (_method: string, path: string) => {
        removed.push(path.split('/').at(-1)!);
        return { rsc: 2002, body: {} };
      },
    } as unknown as M2MClient;
    const bounded = new MonitoringPipeline({ ...deps, cse, maxQueued: 1 });
    const state = (p: Promise<unknown>) =>
      Promise.race([
        p.then(() => 'answered'),
        new Promise((r) => setTimeout(() => r('waiting'), 50)),
      ]);
    const a = bounded.receive(PT, await sealed(600, 14), 'cin-a');
    const b = bounded.receive(PT, await sealed(601, 14), 'cin-b');
    const c = bounded.receive(PT, await sealed(602, 14));
    expect(await state(a.acknowledged)).toBe('answered'); // assessed, queued, still in its inbox
    expect(await state(b.acknowledged)).toBe('waiting'); // the queue holds one already
    expect(await state(c.acknowledged)).toBe('waiting'); // no inbox holds it: only publishing makes it safe
    expect(removed).toEqual([]); // nothing leaves the inbox before it is published
    release();
    await Promise.all([b.acknowledged, c.acknowledged]);
    expect(await a.outcome).toMatchObject({ status: 'published' });
    expect(removed).toEqual(['cin-a', 'cin-b']);
  });
});
