import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../../core/db/testing.js';
import { silentLogger } from '../../core/log.js';
import { AuditLog } from '../audit/audit.js';
import type { Finding } from '../clinical/finding.js';
import { Keyring } from '../keyring/keyring.js';
import { appMigrations, type AppTables } from '../store/index.js';
import { AlertEngine } from './engine.js';
import { loadEscalation, parseEscalation } from './escalation.js';
import type { Alert, AlertEvent } from './model.js';
import type { EpisodeMember } from './routing.js';

const MIN = 60_000;
const members: EpisodeMember[] = [
  { user: 'doc', role: 'doctor', al: 'R' },
  { user: 'nur', role: 'nurse', al: 'N' },
  { user: 'resp', role: 'responder', al: 'N' },
  { user: 'fam', role: 'family', al: 'L' },
];
const news2 = (cl: Finding['cl'], score = 5): Finding => ({
  rule: 'news2',
  cl,
  text: `NEWS2 ${score}`,
});

describe.each(databaseTargets())('alert lifecycle on $name', (target) => {
  let database: TestDatabase<AppTables>;
  let keyring: Keyring;
  let clock: number;
  let events: Array<{ e: AlertEvent; a: Alert }>;
  let highChanges: string[];
  const master = new Uint8Array(randomBytes(32));

  const engine = (config = loadEscalation()) =>
    new AlertEngine({
      db: database.db,
      keyring,
      audit: new AuditLog(database.db, () => clock),
      log: silentLogger,
      config,
      members: () => Promise.resolve(members),
      now: () => clock,
      onEvent: (e, a) => events.push({ e, a }),
      onHighChange: async (pt) => void highChanges.push(pt),
    });
  const rows = () => database.db.selectFrom('alerts').selectAll().orderBy('raised_at').execute();
  const deliveries = (id: string) =>
    database.db
      .selectFrom('alert_deliveries')
      .select(['recipient', 'role', 'status', 'step'])
      .where('alert_id', '=', id)
      .orderBy('recipient')
      .execute();
  const kinds = () => events.map((x) => x.e.kind);

  beforeEach(async () => {
    database = await openTestDatabase<AppTables>(target, {
      zone: 'app',
      migrations: appMigrations,
    });
    keyring = await Keyring.open(database, master);
    clock = 1_000_000;
    events = [];
    highChanges = [];
  });
  afterEach(() => database.cleanup());

  it('raises no alert for a low finding, one for medium, routed to the nurse, text sealed at rest', async () => {
    const e = engine();
    await e.observe('pt-1', [news2('low', 0)]);
    expect(await rows()).toEqual([]);
    await e.observe('pt-1', [news2('medium', 5)]);
    const [row] = await rows();
    expect(row).toMatchObject({
      pt: 'pt-1',
      rule: 'news2',
      cl: 'medium',
      state: 'raised',
      step: 0,
    });
    expect(row!.next_escalation_at).toBe(clock + 15 * MIN);
    expect(JSON.stringify(row)).not.toContain('NEWS2');
    expect(await e.text(row!.id)).toBe('NEWS2 5');
    expect(await deliveries(row!.id)).toEqual([
      { recipient: 'nur', role: 'nurse', status: 'queued', step: 0 },
    ]);
    expect(kinds()).toEqual(['raised', 'routed']);
    const audit = await database.db.selectFrom('audit').selectAll().execute();
    expect(audit.map((a) => a.action)).toContain('alert.raise');
    // Neither the sentence nor the rule (what kind of finding) is in the audit trail.
    expect(JSON.stringify(audit)).not.toMatch(/NEWS2|news2/);
  });

  it('de-duplicates: the same finding again updates the open alert, no new one', async () => {
    const e = engine();
    await e.observe('pt-1', [news2('medium', 5)]);
    clock += MIN;
    await e.observe('pt-1', [news2('medium', 6)]);
    const all = await rows();
    expect(all).toHaveLength(1);
    expect(all[0]!.last_seen_at).toBe(clock);
    expect(await e.text(all[0]!.id)).toBe('NEWS2 6');
    expect(kinds()).toEqual(['raised', 'routed']);
    // A lower but still alerting CL keeps the open alert at its CL.
    await e.observe('pt-1', [news2('low-medium', 3)]);
    expect(await rows()).toHaveLength(1);
    expect((await rows())[0]!.cl).toBe('medium');
  });

  it('a worsening raises a new alert that supersedes the old one; high goes to responder and doctor', async () => {
    const e = engine();
    await e.observe('pt-1', [news2('medium', 5)]);
    clock += MIN;
    await e.observe('pt-1', [news2('high', 8)]);
    const [old, neu] = await rows();
    expect(old).toMatchObject({
      state: 'resolved',
      resolved_by: 'system:superseded',
      superseded_by: neu!.id,
    });
    expect(neu).toMatchObject({ cl: 'high', state: 'raised', step: 0 });
    expect((await deliveries(neu!.id)).map((d) => d.recipient)).toEqual(['doc', 'resp']);
    expect(kinds()).toEqual(['raised', 'routed', 'superseded', 'raised', 'routed']);
    expect(await e.hasOpenHigh('pt-1')).toBe(true);
    expect(highChanges).toEqual(['pt-1']);
  });

  it('hysteresis: one good reading does not calm an alert; N readings over M minutes make it recovering, not resolved', async () => {
    const e = engine(); // recovery: 3 readings and 5 minutes; medium does not auto-resolve
    await e.observe('pt-1', [news2('medium')]);
    for (let i = 0; i < 2; i++) {
      clock += 3 * MIN;
      await e.observe('pt-1', [], ['news2']);
    }
    expect((await rows())[0]!.recovering).toBe(0);
    // Back before recovery: the count starts again.
    await e.observe('pt-1', [news2('medium')]);
    for (let i = 0; i < 2; i++) {
      clock += 3 * MIN;
      await e.observe('pt-1', [news2('low', 1)], ['news2']);
    }
    expect((await rows())[0]!.recovering).toBe(0);
    clock += 3 * MIN;
    await e.observe('pt-1', [], ['news2']);
    const [row] = await rows();
    expect(row).toMatchObject({ recovering: 1, state: 'raised', next_escalation_at: null });
    expect(kinds()).toContain('recovering');
    // Recovering alerts do not escalate; a relapse resumes the timer.
    clock += 60 * MIN;
    expect(await e.sweep()).toBe(0);
    await e.observe('pt-1', [news2('medium')]);
    expect((await rows())[0]).toMatchObject({
      recovering: 0,
      next_escalation_at: clock + 15 * MIN,
    });
    expect(kinds()).toContain('relapsed');
  });

  it('readings count only N of them when the minutes have not passed too', async () => {
    const e = engine();
    await e.observe('pt-1', [news2('medium')]);
    for (let i = 0; i < 5; i++) {
      clock += 30_000;
      await e.observe('pt-1', [], ['news2']);
    }
    expect((await rows())[0]!.recovering).toBe(0);
  });

  it('minutes alone do not make it recovering: it takes N readings too', async () => {
    const e = engine();
    await e.observe('pt-1', [news2('medium')]);
    for (let i = 0; i < 2; i++) {
      clock += 10 * MIN;
      await e.observe('pt-1', [], ['news2']);
    }
    expect((await rows())[0]!.recovering).toBe(0);
    clock += 10 * MIN;
    await e.observe('pt-1', [], ['news2']);
    expect((await rows())[0]!.recovering).toBe(1);
  });

  it('auto-resolves a recovered low-medium alert (config), never a high one', async () => {
    const e = engine();
    await e.observe('pt-1', [news2('low-medium', 3)]);
    await e.observe('pt-2', [news2('high', 9)]);
    for (let i = 0; i < 3; i++) {
      clock += 3 * MIN;
      await e.observe('pt-1', [], ['news2']);
      await e.observe('pt-2', [], ['news2']);
    }
    const byPt = Object.fromEntries((await rows()).map((r) => [r.pt, r]));
    expect(byPt['pt-1']).toMatchObject({ state: 'resolved', resolved_by: 'system:recovered' });
    expect(byPt['pt-2']).toMatchObject({ state: 'raised', recovering: 1 });
    expect(await e.hasOpenHigh('pt-2')).toBe(true);
  });

  it('absence counts only for the rules assessed at this reading', async () => {
    const e = engine();
    await e.observe('pt-1', [{ rule: 'stale-data', cl: 'medium', text: 'no reading for 20 min' }]);
    for (let i = 0; i < 5; i++) {
      clock += 3 * MIN;
      await e.observe('pt-1', [], ['news2']);
    }
    expect((await rows())[0]!.recovering).toBe(0);
  });

  it('escalates on timeout with a fake clock, high CL first, and stops after the last step', async () => {
    const e = engine();
    await e.observe('pt-1', [news2('medium')]);
    await e.observe('pt-2', [news2('high', 9)]);
    clock += 4 * MIN;
    expect(await e.sweep()).toBe(0);
    clock += 2 * MIN; // high is due (5 min), medium not yet (15)
    events = [];
    expect(await e.sweep()).toBe(1);
    const high = (await rows()).find((r) => r.pt === 'pt-2')!;
    expect(high).toMatchObject({ state: 'escalated', step: 1, next_escalation_at: null });
    expect((await deliveries(high.id)).map((d) => [d.recipient, d.step])).toEqual([
      ['doc', 0],
      ['nur', 1],
      ['resp', 0],
    ]);
    expect(events.map((x) => [x.e.kind, x.e.actor])).toEqual([['escalated', 'system:timeout']]);
    clock += 20 * MIN;
    events = [];
    expect(await e.sweep()).toBe(1); // medium to the doctor; high has no step left
    expect(events.map((x) => x.a.pt)).toEqual(['pt-1']);
    clock += 60 * MIN;
    expect(await e.sweep()).toBe(0);
  });

  it('sweeps due escalations high first', async () => {
    const e = engine();
    await e.observe('pt-1', [news2('medium')]);
    clock += 1;
    await e.observe('pt-2', [news2('high', 9)]);
    clock += 20 * MIN;
    events = [];
    expect(await e.sweep()).toBe(2);
    expect(events.map((x) => x.a.cl)).toEqual(['high', 'medium']);
  });

  it('a restart picks up escalations that fell due while it was down', async () => {
    await engine().observe('pt-1', [news2('high', 9)]);
    clock += 30 * MIN;
    const again = engine(); // a new process on the same database
    expect(await again.sweep()).toBe(1);
    expect((await rows())[0]).toMatchObject({ state: 'escalated', step: 1 });
  });

  it('acknowledged alerts do not escalate; manual escalate, resolve; conflicts', async () => {
    const e = engine();
    await e.observe('pt-1', [news2('high', 9)]);
    const [row] = await rows();
    const acked = await e.acknowledge(row!.id, 'doc');
    expect(acked).toMatchObject({
      state: 'acknowledged',
      acknowledgedBy: 'doc',
      nextEscalationAt: null,
    });
    await expect(e.acknowledge(row!.id, 'doc')).rejects.toMatchObject({
      code: 'already_acknowledged',
    });
    clock += 60 * MIN;
    expect(await e.sweep()).toBe(0);
    expect(await e.escalate(row!.id, 'doc')).toMatchObject({ state: 'escalated', step: 1 });
    await expect(e.escalate(row!.id, 'doc')).rejects.toMatchObject({ code: 'no_further_step' });
    highChanges = [];
    expect(await e.resolve(row!.id, 'doc')).toMatchObject({ state: 'resolved', resolvedBy: 'doc' });
    expect(highChanges).toEqual(['pt-1']);
    expect(await e.hasOpenHigh('pt-1')).toBe(false);
    await expect(e.resolve(row!.id, 'doc')).rejects.toMatchObject({ code: 'alert_resolved' });
    await expect(e.acknowledge('al-nope', 'doc')).rejects.toMatchObject({ code: 'unknown_alert' });
    // After resolution the same finding raises a new alert.
    await e.observe('pt-1', [news2('high', 9)]);
    expect((await rows()).filter((r) => r.state !== 'resolved')).toHaveLength(1);
    const log = await database.db
      .selectFrom('alert_events')
      .select(['kind', 'actor'])
      .orderBy('seq')
      .execute();
    expect(log.map((l) => l.kind)).toEqual([
      'raised',
      'routed',
      'acknowledged',
      'escalated',
      'resolved',
      'raised',
      'routed',
    ]);
  });

  it('a transition applies only to the alert as it was read (another worker got there first)', async () => {
    const e = engine();
    await e.observe('pt-1', [news2('high', 9)]);
    const [row] = await rows();
    clock += 10 * MIN;
    // Another worker acknowledges behind this one's back, between its read and its write.
    const due = await e.get(row!.id);
    await database.db
      .updateTable('alerts')
      .set({ state: 'acknowledged', acknowledged_by: 'doc', next_escalation_at: null })
      .where('id', '=', row!.id)
      .execute();
    const stale = e as unknown as { advance(a: unknown, by: string): Promise<void> };
    await expect(stale.advance(due, 'system:timeout')).rejects.toMatchObject({
      code: 'alert_changed',
    });
    expect((await rows())[0]).toMatchObject({ state: 'acknowledged', step: 0 });
    expect(await deliveries(row!.id)).toHaveLength(2);
  });

  it('a step that alerts nobody in the episode passes to the next at once', async () => {
    const config = parseEscalation({
      ...loadEscalation(),
      chains: {
        ...loadEscalation().chains,
        medium: {
          autoResolve: false,
          steps: [
            { roles: ['researcher'], ackWithinMinutes: 5 },
            { roles: ['doctor'], ackWithinMinutes: 5 },
          ],
        },
      },
    });
    await engine(config).observe('pt-1', [news2('medium')]);
    const [row] = await rows();
    expect(row).toMatchObject({ step: 1, state: 'escalated', next_escalation_at: null });
    expect((await deliveries(row!.id)).map((d) => d.recipient)).toEqual(['doc']);
  });

  it('the database keeps one open alert per patient and rule', async () => {
    const e = engine();
    await e.observe('pt-1', [news2('medium')]);
    const [row] = await rows();
    await expect(
      database.db
        .insertInto('alerts')
        .values({ ...row!, id: 'al-dup' })
        .execute(),
    ).rejects.toThrow();
  });
});

describe('escalation config', () => {
  it('loads the default and refuses what the schema does not allow', () => {
    const d = loadEscalation();
    expect(d.chains.high.steps[0]!.roles).toEqual(['responder', 'doctor']);
    const bad = (x: unknown) => () => parseEscalation(x);
    expect(bad({ ...d, chains: { ...d.chains, low: d.chains.high } })).toThrow(/escalation config/);
    expect(bad({ ...d, chains: { ...d.chains, high: { autoResolve: false, steps: [] } } })).toThrow(
      /escalation config/,
    );
    expect(
      bad({
        ...d,
        chains: {
          ...d.chains,
          high: { autoResolve: false, steps: [{ roles: ['wizard'], ackWithinMinutes: 1 }] },
        },
      }),
    ).toThrow(/escalation config/);
    expect(
      bad({
        ...d,
        chains: {
          ...d.chains,
          high: { autoResolve: false, steps: [{ roles: [], ackWithinMinutes: 1 }] },
        },
      }),
    ).toThrow(/alerts nobody/);
    expect(() => loadEscalation('/nonexistent/escalation.json')).toThrow(/cannot read/);
  });
});
