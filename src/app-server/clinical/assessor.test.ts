import { describe, expect, it } from 'vitest';
import type { Reading, ReadingBatch } from '../../protocol/reading.js';
import { Assessor, highestCl, news2Finding } from './assessor.js';
import { assessNews2 } from './news2.js';
import { DEFAULT_SETTINGS, type ClinicalSettings } from './thresholds.js';

const MIN = 60_000;
const T0 = Date.parse('2026-12-03T08:00:00Z');
const iso = (t: number) => new Date(t).toISOString();

function full(
  t: number,
  o: Partial<Record<'rr' | 'spo2' | 'pulse' | 'sbp', number>> = {},
): Reading[] {
  const at = iso(t);
  return [
    { device: 'rr', metric: 'respiratoryRate', at, value: o.rr ?? 16 },
    { device: 'ox', metric: 'spo2', at, value: o.spo2 ?? 97 },
    { device: 'ox', metric: 'supplementalOxygen', at, on: false, flowLpm: 0 },
    { device: 'bp', metric: 'bloodPressure', at, systolic: o.sbp ?? 125, diastolic: 75 },
    { device: 'ox', metric: 'pulse', at, value: o.pulse ?? 72 },
    { device: 'cv', metric: 'consciousness', at, value: 'A' },
    { device: 'th', metric: 'temperature', at, value: 36.8 },
  ];
}
const batch = (seq: number, t: number, readings: Reading[]): ReadingBatch => ({
  v: 1,
  patient: 'pt-1',
  gateway: 'gw-1',
  seq,
  at: iso(t),
  readings,
});

describe('news2Finding', () => {
  it('is no finding at low, and flags a partial set at low-medium and above', () => {
    expect(news2Finding(assessNews2(full(T0), { spo2Scale: 1 }))).toBeUndefined();
    const red = assessNews2(full(T0, { rr: 26 }), { spo2Scale: 1 });
    expect(news2Finding(red)).toMatchObject({ rule: 'news2', cl: 'low-medium' });
    expect(news2Finding(red)!.text).not.toContain('Partial');
    const partial = assessNews2(full(T0, { rr: 26 }).slice(0, 2), { spo2Scale: 1 });
    expect(news2Finding(partial)!.text).toContain('Partial set');
  });
});

describe('highestCl', () => {
  it('is the highest, low for none', () => {
    expect(highestCl([])).toBe('low');
    expect(highestCl(['low-medium', 'high', 'medium'])).toBe('high');
  });
});

describe('Assessor', () => {
  it('combines NEWS2 and the findings into the highest CL', () => {
    const a = new Assessor({ now: () => T0 });
    const settings: ClinicalSettings = {
      spo2Scale: 1,
      thresholds: { pulse: { above: 100, cl: 'high' } },
    };
    // NEWS2: pulse 105 scores 1, total 1: low. The clinician's limit makes it high.
    const r = a.assess('pt-1', batch(1, T0, full(T0, { pulse: 105 })), settings);
    expect(r.news2.cl).toBe('low');
    expect(r.findings.map((f) => f.rule)).toEqual(['threshold.pulse']);
    expect(r.cl).toBe('high');
    // NEWS2 medium (score 5) with no other finding: medium, and a news2 finding.
    const m = a.assess(
      'pt-1',
      batch(2, T0 + MIN, full(T0 + MIN, { rr: 22, pulse: 112, sbp: 105 })),
      DEFAULT_SETTINGS,
    );
    expect(m.news2.score).toBe(5);
    expect(m.findings).toEqual([expect.objectContaining({ rule: 'news2', cl: 'medium' })]);
    expect(m.cl).toBe('medium');
    // Nothing: low.
    const l = a.assess('pt-1', batch(3, T0 + 2 * MIN, full(T0 + 2 * MIN)), DEFAULT_SETTINGS);
    expect(l).toMatchObject({ findings: [], cl: 'low' });
  });

  it('finds a slow respiratory-rate rise while NEWS2 stays low', () => {
    const a = new Assessor({ now: () => T0 });
    let last;
    // 3 h, one tick a minute: 13 → 19 breaths/min (NEWS2 scores 12–20 as 0).
    for (let i = 0; i < 180; i++) {
      const t = T0 + i * MIN;
      last = a.assess(
        'pt-1',
        batch(i + 1, t, full(t, { rr: Math.round(13 + (6 * i) / 180) })),
        DEFAULT_SETTINGS,
      );
    }
    expect(last!.news2.cl).toBe('low');
    expect(last!.findings).toEqual([
      expect.objectContaining({ rule: 'trend.respiratoryRate', subject: 'respiratoryRate' }),
    ]);
    expect(last!.cl).toBe('low-medium');
    expect(last!.assessed).toContain('trend.respiratoryRate');
  });

  it('lists the rules it could evaluate: the alert lifecycle calms only those', () => {
    const a = new Assessor({ now: () => T0 });
    const first = a.assess('pt-1', batch(1, T0, full(T0)), DEFAULT_SETTINGS);
    // No trend yet (too little data); every sign present, so every threshold; a full set.
    expect(first.assessed.sort()).toEqual(
      [
        'stale-data',
        'device.probe-off',
        'device.battery-low',
        'device.error',
        'news2',
        'threshold.respiratoryRate',
        'threshold.spo2',
        'threshold.pulse',
        'threshold.systolicBP',
        'threshold.temperature',
        'threshold.spo2Target',
      ].sort(),
    );
    // A partial set: NEWS2 cannot say "no", nor can the thresholds of what is missing.
    const partial = a.assess(
      'pt-1',
      batch(2, T0 + MIN, full(T0 + MIN).slice(0, 1)),
      DEFAULT_SETTINGS,
    );
    expect(partial.assessed).not.toContain('news2');
    expect(partial.assessed).toContain('threshold.respiratoryRate');
    expect(partial.assessed).not.toContain('threshold.pulse');
  });

  it('a batch assessed again (a retry) changes no state, and finds the same', () => {
    const a = new Assessor({ now: () => T0 });
    const low: Reading = {
      device: 'bp',
      metric: 'deviceStatus',
      at: iso(T0),
      status: 'low-battery',
      battery: 9,
    };
    const b = batch(5, T0, [...full(T0), low]);
    const first = a.assess('pt-1', b, DEFAULT_SETTINGS);
    const again = a.assess('pt-1', b, DEFAULT_SETTINGS);
    expect(again.findings).toEqual(first.findings);
    expect(first.findings.map((f) => f.rule)).toEqual(['device.battery-low']);
    a.assess('pt-1', { ...b, readings: full(T0 + 10 * MIN) }, DEFAULT_SETTINGS);
    expect(a.history.samples('pt-1', 'pulse')).toHaveLength(1);
  });

  it('checkStale follows the injected clock and a new reading clears it', () => {
    let now = T0;
    const a = new Assessor({ now: () => now });
    a.watch('pt-1');
    now += 180_001;
    expect(a.checkStale().map((s) => s.pt)).toEqual(['pt-1']);
    a.assess('pt-1', batch(1, now, full(now)), DEFAULT_SETTINGS);
    expect(a.checkStale()).toEqual([]);
    expect(a.checkStale(now + 180_001)).toHaveLength(1);
    a.forget('pt-1');
    expect(a.checkStale(now + 10 * 180_001)).toEqual([]);
  });

  it('reports device faults with the tick', () => {
    const a = new Assessor({ now: () => T0 });
    const readings: Reading[] = [
      ...full(T0),
      { device: 'bp', metric: 'deviceStatus', at: iso(T0), status: 'low-battery', battery: 4 },
    ];
    const r = a.assess('pt-1', batch(1, T0, readings), DEFAULT_SETTINGS);
    expect(r.findings).toEqual([
      expect.objectContaining({ rule: 'device.battery-low', cl: 'low-medium' }),
    ]);
    expect(r.cl).toBe('low-medium');
  });
});
