import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRACKED_SIGNS, type Sample } from './history.js';
import { fitTrend, TREND_RULES, trendFinding } from './trend.js';

const MIN = 60_000;
const T0 = Date.parse('2026-12-03T08:00:00Z');

/** One sample a minute for `minutes`, value f(hours since start). */
function series(minutes: number, f: (h: number) => number): Sample[] {
  return Array.from({ length: minutes }, (_, i) => ({ t: T0 + i * MIN, v: f(i / 60) }));
}

/** A linear series over `hours` whose fitted change (first to last bin) is exactly `change`. */
function linear(start: number, change: number, hours = 3): Sample[] {
  // The fit runs from the first bin to the last: 15-min bins, so (hours - 0.25) h apart.
  const span = hours - 0.25;
  return series(hours * 60, (h) => start + (change / span) * h);
}

describe('fitTrend', () => {
  it('needs enough bins and enough time', () => {
    expect(fitTrend([])).toBeUndefined();
    // 5 bins of 15 min: one short of the minimum of 6.
    expect(fitTrend(series(75, () => 16))).toBeUndefined();
    expect(fitTrend(series(90, () => 16))).toBeDefined();
    // Six bins but spread over less than an hour is impossible with 15-min bins; a narrower bin is not.
    expect(
      fitTrend(
        series(50, () => 16),
        { binMs: 5 * MIN, minSpanMs: 60 * MIN },
      ),
    ).toBeUndefined();
    expect(
      fitTrend(
        series(70, () => 16),
        { binMs: 5 * MIN, minSpanMs: 60 * MIN },
      ),
    ).toBeDefined();
  });

  it('fits the slope of a straight line through the bin medians, one outlier ignored', () => {
    const s = series(180, (h) => 14 + 2 * h);
    s[100] = { t: s[100]!.t, v: 60 };
    const fit = fitTrend(s)!;
    expect(fit.slopePerHour).toBeCloseTo(2, 1);
    expect(fit.r2).toBeGreaterThan(0.99);
    expect(fit.bins).toBe(12);
  });

  it('looks only at the window ending at the latest sample', () => {
    // A fall 6 h ago, flat since: no slope left in the 4-h window.
    const s = series(8 * 60, (h) => (h < 2 ? 30 - 5 * h : 20));
    expect(Math.abs(fitTrend(s)!.slopePerHour)).toBeLessThan(1e-9);
  });
});

describe('trendFinding', () => {
  it('respiratory rate: fires from a fitted rise of 4/min, not below', () => {
    const below = linear(14, 3.9);
    const at = linear(14, 4.05);
    expect(fitTrend(below)!.change).toBeCloseTo(3.9, 1);
    expect(trendFinding('respiratoryRate', below, undefined)).toBeUndefined();
    const f = trendFinding('respiratoryRate', at, undefined);
    expect(f).toMatchObject({
      rule: 'trend.respiratoryRate',
      cl: 'low-medium',
      subject: 'respiratoryRate',
    });
    expect(f!.text).toContain('rising');
  });

  it('is medium from twice the minimum change', () => {
    expect(trendFinding('respiratoryRate', linear(14, 7.9), undefined)!.cl).toBe('low-medium');
    expect(trendFinding('respiratoryRate', linear(14, 8.1), undefined)!.cl).toBe('medium');
  });

  it('needs the minimum rate too: the same rise over a longer window is no trend', () => {
    const slow = linear(14, 4.5, 4); // 4.5 over 3.75 h = 1.2/h: fires
    expect(trendFinding('respiratoryRate', slow, undefined)).toBeDefined();
    expect(
      trendFinding('respiratoryRate', linear(14, 4.5, 8), undefined, { windowMs: 8 * 3_600_000 }),
    ).toBeUndefined(); // 4.5 over 7.75 h = 0.58/h
  });

  it('looks in the bad direction only', () => {
    expect(trendFinding('respiratoryRate', linear(20, -6), undefined)).toBeUndefined();
    expect(trendFinding('spo2', linear(97, 4), undefined)).toBeUndefined();
    expect(trendFinding('spo2', linear(97, -3.1), undefined)).toMatchObject({
      rule: 'trend.spo2',
      cl: 'low-medium',
    });
    expect(trendFinding('spo2', linear(97, -2.9), undefined)).toBeUndefined();
    expect(trendFinding('systolicBP', linear(130, -21), undefined)?.rule).toBe('trend.systolicBP');
    expect(trendFinding('systolicBP', linear(130, -19), undefined)).toBeUndefined();
    expect(trendFinding('pulse', linear(70, 16), undefined)?.rule).toBe('trend.pulse');
    expect(trendFinding('pulse', linear(70, 14), undefined)).toBeUndefined();
  });

  it('is silent for a sign coming back to its baseline, and fires for one leaving it', () => {
    // Back up from a dip of 22 to the baseline of 18: a fall, not a rise.
    const recovering = linear(12, 6);
    expect(trendFinding('respiratoryRate', recovering, 18)).toBeUndefined();
    expect(trendFinding('respiratoryRate', recovering, 12)).toBeDefined();
    expect(trendFinding('respiratoryRate', recovering, undefined)).toBeDefined();
  });

  it('never fires on a flat series whose noise stays under a third of the minimum change', () => {
    // Least squares over evenly spaced bins: bounded noise of amplitude a fits at most a change of 3a.
    for (const sign of TRACKED_SIGNS) {
      const a = TREND_RULES[sign].minChange / 3;
      fc.assert(
        fc.property(
          fc.double({ min: 10, max: 150, noNaN: true }),
          fc.integer({ min: 90, max: 6 * 60 }),
          fc.array(fc.double({ min: -0.99, max: 0.99, noNaN: true }), {
            minLength: 360,
            maxLength: 360,
          }),
          (level, minutes, noise) => {
            const s = series(minutes, (h) => level + a * noise[Math.round(h * 60)]!);
            expect(trendFinding(sign, s, undefined)).toBeUndefined();
            expect(trendFinding(sign, s, level)).toBeUndefined();
          },
        ),
        { numRuns: 60 },
      );
    }
  });

  it('always fires on a steady deterioration of three times the minimum, through the same noise', () => {
    for (const sign of TRACKED_SIGNS) {
      const rule = TREND_RULES[sign];
      const a = rule.minChange / 3;
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }), {
            minLength: 240,
            maxLength: 240,
          }),
          (noise) => {
            // 3 × the minimum change over 3 h, plus noise of a/2.
            const s = series(
              180,
              (h) => 50 + rule.direction * rule.minChange * h + a * noise[Math.round(h * 60)]!,
            );
            expect(trendFinding(sign, s, 50)?.rule).toBe(`trend.${sign}`);
          },
        ),
        { numRuns: 40 },
      );
    }
  });
});
