import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TutelaError } from '../../core/errors.js';
import { EPISODE_KINDS, type EpisodeKind } from './episodes.js';
import { Physiology, type PhysiologyOptions } from './physiology.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2025, 0, 6, 8, 0, 0);

/** A physiology on a hand-driven clock; `advance` moves wall time. */
function patient(opts: Partial<PhysiologyOptions> = {}) {
  let now = T0;
  const p = new Physiology({ patient: 'pt-1', clock: () => now, ...opts });
  return { p, advance: (ms: number) => (now += ms) };
}

/** Mean of the device's readings over n noise periods from simulated time t. */
function meanMeasured(p: Physiology, t: number, n = 40) {
  const sum = { spo2: 0, pulse: 0, respiratoryRate: 0, temperature: 0, systolic: 0, diastolic: 0 };
  for (let i = 0; i < n; i++) {
    const m = p.measure(t + i * 5_000);
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += m[k] / n;
  }
  return sum;
}

const SEEDS = [1, 2, 3, 42, 1234, 99_999, 2 ** 31 + 7];

describe('physiology', () => {
  it('is deterministic for a seed, and differs between seeds', () => {
    const run = (seed: number) => {
      const { p, advance } = patient({ seed });
      const out = [];
      for (let i = 0; i < 50; i++) {
        out.push(p.measure());
        if (i === 10) p.startEpisode('sepsis', { rampMs: 10 * MIN });
        advance(17_000);
      }
      return { baseline: p.baseline, out };
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
    // Without a seed, the patient id is the seed: the same patient every run.
    expect(new Physiology({ patient: 'pt-9' }).baseline).toEqual(
      new Physiology({ patient: 'pt-9' }).baseline,
    );
  });

  it('gives each patient a healthy baseline of their own, with a daily rhythm', () => {
    const baselines = SEEDS.map((seed) => new Physiology({ patient: 'x', seed }).baseline);
    expect(new Set(baselines.map((b) => Math.round(b.pulse))).size).toBeGreaterThan(3);
    for (const b of baselines) {
      // NEWS2 0-score bands (RCP 2017), bar SpO2 at the edge of 96.
      expect(b.respiratoryRate).toBeGreaterThanOrEqual(12);
      expect(b.respiratoryRate).toBeLessThanOrEqual(20);
      expect(b.spo2).toBeGreaterThanOrEqual(95.9);
      expect(b.pulse).toBeGreaterThanOrEqual(51);
      expect(b.pulse).toBeLessThanOrEqual(90);
      expect(b.temperature).toBeGreaterThanOrEqual(36.1);
      expect(b.temperature).toBeLessThanOrEqual(38);
      expect(b.systolic).toBeGreaterThanOrEqual(111);
    }
    const { p } = patient({ seed: 3 });
    const temps = Array.from({ length: 24 }, (_, h) => p.truth(T0 + h * HOUR).temperature);
    expect(Math.max(...temps) - Math.min(...temps)).toBeGreaterThan(0.3);
  });

  // NEWS2 (RCP 2017) bands that score 3 (2 for temperature and HR 111-130).
  const expectations: Record<EpisodeKind, (v: ReturnType<typeof meanMeasured>) => void> = {
    sepsis: (v) => {
      expect(v.respiratoryRate).toBeGreaterThanOrEqual(25);
      expect(v.pulse).toBeGreaterThanOrEqual(131);
      expect(v.systolic).toBeLessThanOrEqual(90);
      expect(v.temperature).toBeGreaterThanOrEqual(39.1);
    },
    hypoxia: (v) => {
      expect(v.spo2).toBeLessThanOrEqual(91);
      expect(v.respiratoryRate).toBeGreaterThanOrEqual(25);
      expect(v.pulse).toBeGreaterThanOrEqual(111);
    },
    hypotension: (v) => {
      expect(v.systolic).toBeLessThanOrEqual(90);
      expect(v.pulse).toBeGreaterThanOrEqual(111);
    },
  };

  for (const kind of EPISODE_KINDS) {
    it(`${kind}: ramps in, moves every parameter far enough for NEWS2 to rise, and recovers`, () => {
      for (const seed of SEEDS) {
        const { p, advance } = patient({ seed });
        const before = p.truth();
        p.startEpisode(kind, { rampMs: 2 * HOUR });
        expect(p.severity(kind)).toBe(0);
        advance(HOUR);
        const half = p.severity(kind);
        expect(half).toBeGreaterThan(0.3);
        expect(half).toBeLessThan(0.7);
        advance(HOUR);
        expect(p.severity(kind)).toBe(1);
        const full = p.truth();
        const measured = meanMeasured(p, p.simNow());
        expectations[kind](full);
        expectations[kind](measured);
        // Directions, against the patient's own start.
        if (kind !== 'hypoxia') expect(full.systolic).toBeLessThan(before.systolic);
        expect(full.pulse).toBeGreaterThan(before.pulse + 20);
        if (kind !== 'hypotension')
          expect(full.respiratoryRate).toBeGreaterThan(before.respiratoryRate);
        if (kind === 'sepsis') expect(full.temperature).toBeGreaterThan(before.temperature + 2);
        if (kind === 'hypoxia') expect(full.spo2).toBeLessThan(before.spo2 - 5);

        const [ended] = p.endEpisode(kind, { recoveryMs: HOUR });
        expect(ended).toMatchObject({ kind, phase: 'established', severity: 1 });
        advance(30 * MIN);
        expect(p.episodes()).toMatchObject([{ kind, phase: 'recovering' }]);
        advance(31 * MIN);
        expect(p.episodes()).toEqual([]);
        const after = p.truth();
        expect(Math.abs(after.pulse - p.baseline.pulse)).toBeLessThan(20);
        expect(Math.abs(after.systolic - p.baseline.systolic)).toBeLessThan(25);
        expect(after.acvpu).toBe('A');
      }
    });
  }

  it('sepsis brings new confusion late in its course, not early', () => {
    const { p, advance } = patient({ seed: 5 });
    p.startEpisode('sepsis', { rampMs: 10 * HOUR });
    advance(4 * HOUR);
    expect(p.truth().acvpu).toBe('A');
    advance(6 * HOUR);
    expect(p.truth().acvpu).toBe('C');
  });

  it('supplemental oxygen raises SpO2 in hypoxia, more with more flow', () => {
    for (const seed of SEEDS) {
      const { p, advance } = patient({ seed });
      p.startEpisode('hypoxia', { rampMs: 0 });
      advance(MIN);
      const air = p.truth();
      p.setOxygen({ on: true, flowLpm: 2 });
      const two = p.truth();
      p.setOxygen({ on: true, flowLpm: 4 });
      const four = p.truth();
      expect(two.spo2).toBeGreaterThan(air.spo2 + 3);
      expect(four.spo2).toBeGreaterThan(two.spo2);
      expect(four.spo2).toBeGreaterThanOrEqual(92);
      expect(four.respiratoryRate).toBeLessThan(air.respiratoryRate);
      expect(p.oxygen).toEqual({ on: true, flowLpm: 4 });
    }
  });

  it('compresses time so a demo shows an episode in minutes', () => {
    const { p, advance } = patient({ seed: 1, timeCompression: 60 });
    p.startEpisode('sepsis'); // default ramp: 6 simulated hours
    advance(3 * MIN);
    expect(p.severity('sepsis')).toBeCloseTo(0.5, 1);
    advance(3 * MIN);
    expect(p.severity('sepsis')).toBe(1);
    expect(p.wallTimeOf(p.simNow())).toBe(T0 + 6 * MIN);
  });

  it('starts and ends scheduled episodes by itself', () => {
    const { p, advance } = patient({
      seed: 1,
      schedule: [{ kind: 'hypotension', afterMs: HOUR, rampMs: 10 * MIN, durationMs: HOUR }],
    });
    expect(p.episodes()).toMatchObject([{ kind: 'hypotension', phase: 'scheduled', severity: 0 }]);
    advance(HOUR + 10 * MIN);
    expect(p.severity('hypotension')).toBe(1);
    advance(55 * MIN); // the scheduled hour is up at 60 minutes; recovery takes the 10-minute ramp
    expect(p.episodes()).toMatchObject([{ phase: 'recovering' }]);
    advance(10 * MIN);
    expect(p.episodes()).toEqual([]);
  });

  it('refuses contradictory commands with clear errors', () => {
    const { p } = patient();
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(TutelaError);
        return `${(err as TutelaError).code}: ${(err as TutelaError).message}`;
      }
      return 'no error';
    };
    expect(code(() => p.endEpisode())).toBe('conflict: no episode is under way');
    p.startEpisode('hypoxia');
    expect(code(() => p.startEpisode('hypoxia'))).toBe(
      'conflict: a hypoxia episode is already under way',
    );
    expect(code(() => p.endEpisode('sepsis'))).toBe('conflict: no sepsis episode is under way');
    expect(code(() => p.setOxygen({ on: true, flowLpm: 0 }))).toMatch(/bad_request: .*above 0/);
    expect(code(() => p.setOxygen({ on: false, flowLpm: 2 }))).toMatch(/bad_request: .*0 when off/);
    expect(code(() => p.setOxygen({ on: true, flowLpm: 40 }))).toMatch(/between 0 and 15/);
    expect(code(() => p.startEpisode('sepsis', { peak: 0 }))).toMatch(/peak/);
  });

  it('stays physiologically plausible whatever happens', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.subarray([...EPISODE_KINDS]),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 72 * 60 }),
        (seed, kinds, flow, minutes) => {
          const { p, advance } = patient({ seed });
          for (const k of kinds) p.startEpisode(k, { rampMs: 30 * MIN });
          if (flow > 0) p.setOxygen({ on: true, flowLpm: flow });
          advance(minutes * MIN);
          const m = p.measure();
          expect(m.spo2).toBeGreaterThanOrEqual(70);
          expect(m.spo2).toBeLessThanOrEqual(100);
          expect(m.pulse).toBeGreaterThanOrEqual(30);
          expect(m.pulse).toBeLessThanOrEqual(200);
          expect(m.respiratoryRate).toBeGreaterThanOrEqual(5);
          expect(m.respiratoryRate).toBeLessThanOrEqual(50);
          expect(m.temperature).toBeGreaterThanOrEqual(34);
          expect(m.temperature).toBeLessThanOrEqual(42);
          expect(m.diastolic).toBeLessThanOrEqual(m.systolic - 20);
          expect(m.systolic).toBeGreaterThanOrEqual(60);
          for (const k of ['spo2', 'pulse', 'respiratoryRate', 'systolic', 'diastolic'] as const)
            expect(Number.isInteger(m[k])).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
