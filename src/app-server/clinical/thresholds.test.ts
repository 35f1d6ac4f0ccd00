import { describe, expect, it } from 'vitest';
import type { Reading } from '../../protocol/reading.js';
import { assessNews2 } from './news2.js';
import { thresholdFindings, type ClinicalSettings } from './thresholds.js';

const at = '2026-12-03T08:00:00Z';
const tick = (spo2: number, onOxygen = false, rr = 16): Reading[] => [
  { device: 'ox', metric: 'spo2', at, value: spo2 },
  { device: 'ox', metric: 'supplementalOxygen', at, on: onOxygen, flowLpm: onOxygen ? 2 : 0 },
  { device: 'rr', metric: 'respiratoryRate', at, value: rr },
];

const run = (readings: Reading[], s: ClinicalSettings) =>
  thresholdFindings(assessNews2(readings, { spo2Scale: s.spo2Scale }), s);

describe('thresholdFindings', () => {
  it('fires strictly below a lower limit, default CL medium', () => {
    const s: ClinicalSettings = { spo2Scale: 1, thresholds: { spo2: { below: 90 } } };
    expect(run(tick(90), s)).toEqual([]);
    expect(run(tick(89), s)).toEqual([
      expect.objectContaining({ rule: 'threshold.spo2', cl: 'medium', subject: 'spo2' }),
    ]);
  });

  it('fires strictly above an upper limit, with the CL the clinician chose', () => {
    const s: ClinicalSettings = {
      spo2Scale: 1,
      thresholds: { respiratoryRate: { below: 8, above: 22, cl: 'high' } },
    };
    expect(run(tick(96, false, 22), s)).toEqual([]);
    expect(run(tick(96, false, 23), s)).toEqual([
      expect.objectContaining({ rule: 'threshold.respiratoryRate', cl: 'high' }),
    ]);
    expect(run(tick(96, false, 7), s)[0]!.text).toContain('below');
  });

  it('says nothing about a sign the tick has no usable value for', () => {
    const s: ClinicalSettings = { spo2Scale: 1, thresholds: { pulse: { below: 50 } } };
    expect(run(tick(96), s)).toEqual([]);
  });

  it('scale 2: below the target range, or above it on oxygen only (RCP 2017: 88–92 % by default)', () => {
    const s: ClinicalSettings = { spo2Scale: 2, thresholds: {} };
    expect(run(tick(88), s)).toEqual([]);
    expect(run(tick(87), s)).toEqual([
      expect.objectContaining({ rule: 'threshold.spo2Target', cl: 'low-medium' }),
    ]);
    expect(run(tick(92, true), s)).toEqual([]);
    expect(run(tick(93, true), s)).toHaveLength(1);
    expect(run(tick(97, false), s)).toEqual([]);
  });

  it('scale 2 with a prescribed range; scale 1 has none', () => {
    const s: ClinicalSettings = { spo2Scale: 2, spo2Target: { low: 85, high: 89 }, thresholds: {} };
    expect(run(tick(85), s)).toEqual([]);
    expect(run(tick(84), s)).toHaveLength(1);
    expect(run(tick(90, true), s)).toHaveLength(1);
    expect(run(tick(80), { spo2Scale: 1, thresholds: {} })).toEqual([]);
  });
});
