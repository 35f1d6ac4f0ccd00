import { describe, expect, it } from 'vitest';
import { bandsOf, CHARTED, drawnExtent } from './bands.js';

const strip = (key: keyof typeof CHARTED) =>
  bandsOf(CHARTED[key]).map((b) => `${b.lo}-${b.hi}:${b.score}`);

describe('NEWS2 bands derived from the RCP 2017 chart', () => {
  it('respiratory rate: ≤8 → 3, 9–11 → 1, 12–20 → 0, 21–24 → 2, ≥25 → 3', () => {
    expect(strip('respiratoryRate')).toEqual(['4-8:3', '9-11:1', '12-20:0', '21-24:2', '25-36:3']);
  });

  it('SpO2 scale 1: ≤91 → 3, 92–93 → 2, 94–95 → 1, ≥96 → 0', () => {
    expect(strip('spo2')).toEqual(['80-91:3', '92-93:2', '94-95:1', '96-100:0']);
  });

  it('systolic BP: ≤90 → 3, 91–100 → 2, 101–110 → 1, 111–219 → 0, ≥220 → 3', () => {
    expect(strip('systolicBP')).toEqual([
      '60-90:3',
      '91-100:2',
      '101-110:1',
      '111-219:0',
      '220-240:3',
    ]);
  });

  it('pulse: ≤40 → 3, 41–50 → 1, 51–90 → 0, 91–110 → 1, 111–130 → 2, ≥131 → 3', () => {
    expect(strip('pulse')).toEqual([
      '30-40:3',
      '41-50:1',
      '51-90:0',
      '91-110:1',
      '111-130:2',
      '131-160:3',
    ]);
  });

  it('temperature, in tenths: ≤35.0 → 3, 35.1–36.0 → 1, 36.1–38.0 → 0, 38.1–39.0 → 1, ≥39.1 → 2', () => {
    expect(strip('temperature')).toEqual([
      '34-35:3',
      '35.1-36:1',
      '36.1-38:0',
      '38.1-39:1',
      '39.1-41:2',
    ]);
  });

  it('bands drawn edge to edge, half a step beyond their limits, clamped to the axis', () => {
    const sign = CHARTED.respiratoryRate;
    const drawn = bandsOf(sign).map((b) => drawnExtent(b, sign));
    expect(drawn[0]).toEqual([3.5, 8.5]);
    for (let i = 1; i < drawn.length; i++) expect(drawn[i]![0]).toBe(drawn[i - 1]![1]);
    expect(drawn.at(-1)).toEqual([24.5, 36.5]);
    const t = CHARTED.temperature;
    const [lo, hi] = drawnExtent(bandsOf(t)[1]!, t);
    expect(lo).toBeCloseTo(35.05);
    expect(hi).toBeCloseTo(36.05);
  });
});
