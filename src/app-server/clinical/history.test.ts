import { describe, expect, it } from 'vitest';
import { median, PatientHistory } from './history.js';

const MIN = 60_000;
const T0 = Date.parse('2026-12-03T08:00:00Z');

describe('PatientHistory', () => {
  it('keeps samples at least 30 s apart, in time order', () => {
    const h = new PatientHistory();
    h.add('pt-1', 'pulse', { t: T0, v: 70 });
    h.add('pt-1', 'pulse', { t: T0 + 29_999, v: 71 });
    h.add('pt-1', 'pulse', { t: T0 + 30_000, v: 72 });
    h.add('pt-1', 'pulse', { t: T0 + 10_000, v: 73 }); // late: older than the last kept
    expect(h.samples('pt-1', 'pulse').map((s) => s.v)).toEqual([70, 72]);
    expect(h.samples('pt-2', 'pulse')).toEqual([]);
  });

  it('bounds memory by age and by count', () => {
    const h = new PatientHistory({ retainMs: 60 * MIN, maxSamples: 50 });
    for (let i = 0; i <= 120; i++) h.add('pt-1', 'spo2', { t: T0 + i * MIN, v: 96 });
    const s = h.samples('pt-1', 'spo2');
    expect(s).toHaveLength(50);
    expect(s.at(-1)!.t).toBe(T0 + 120 * MIN);
    const aged = new PatientHistory({ retainMs: 60 * MIN });
    for (let i = 0; i <= 120; i++) aged.add('pt-1', 'spo2', { t: T0 + i * MIN, v: 96 });
    expect(aged.samples('pt-1', 'spo2')).toHaveLength(61);
  });

  it('learns the baseline once, as the median of the first 2 h, and keeps it', () => {
    const h = new PatientHistory();
    for (let i = 0; i < 120; i++)
      h.add('pt-1', 'respiratoryRate', { t: T0 + i * MIN, v: i === 5 ? 40 : 15 + (i % 3) });
    expect(h.baseline('pt-1', 'respiratoryRate')).toBeUndefined();
    h.add('pt-1', 'respiratoryRate', { t: T0 + 120 * MIN, v: 30 });
    expect(h.baseline('pt-1', 'respiratoryRate')).toBe(16);
    for (let i = 121; i < 400; i++) h.add('pt-1', 'respiratoryRate', { t: T0 + i * MIN, v: 30 });
    expect(h.baseline('pt-1', 'respiratoryRate')).toBe(16);
  });

  it('waits for enough samples in one baseline period', () => {
    const h = new PatientHistory();
    // One sample every 20 min: 6 per 2 h, fewer than 12.
    for (let i = 0; i < 30; i++) h.add('pt-1', 'pulse', { t: T0 + i * 20 * MIN, v: 80 });
    expect(h.baseline('pt-1', 'pulse')).toBeUndefined();
  });

  it('forgets a patient', () => {
    const h = new PatientHistory();
    h.add('pt-1', 'pulse', { t: T0, v: 70 });
    h.forget('pt-1');
    expect(h.samples('pt-1', 'pulse')).toEqual([]);
  });

  it('median', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
  });
});
