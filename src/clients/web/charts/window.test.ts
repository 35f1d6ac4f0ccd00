import { describe, expect, it } from 'vitest';
import type { VitalPoint } from './series.js';
import { VitalWindow, WINDOW_MS } from './window.js';

const T0 = Date.parse('2026-12-03T09:00:00Z');
const pt = (
  s: number,
  signs: VitalPoint['signs'],
  consciousness?: VitalPoint['consciousness'],
) => ({
  t: T0 + s * 1000,
  src: `gw:${s}`,
  signs,
  ...(consciousness === undefined ? {} : { consciousness }),
});

describe('the charts’ sliding window', () => {
  it('keeps points in time order, once per reading, whatever order they come in', () => {
    const w = new VitalWindow();
    expect(w.add([pt(10, { pulse: 80 }), pt(30, { pulse: 90 })], T0 + 60_000)).toBe(true);
    // History arriving after a live point, and a duplicate of a live one.
    expect(w.add([pt(20, { pulse: 85 }), pt(30, { pulse: 90 })], T0 + 60_000)).toBe(true);
    expect(w.add([pt(30, { pulse: 90 })], T0 + 60_000)).toBe(false);
    const s = w.series('pulse');
    expect(s.xs).toEqual([T0 / 1000 + 10, T0 / 1000 + 20, T0 / 1000 + 30]);
    expect(s.ys).toEqual([80, 85, 90]);
    expect(s.latest).toBe(90);
  });

  it('charts gaps for invalid and withheld values, counting each, and skips readings without the sign', () => {
    const w = new VitalWindow();
    w.add(
      [
        pt(1, { spo2: 97 }),
        pt(2, { spo2: null }),
        pt(3, { pulse: 70 }),
        pt(4, { spo2: 'withheld' }),
        pt(5, { spo2: 95 }),
      ],
      T0 + 10_000,
    );
    const s = w.series('spo2');
    expect(s.ys).toEqual([97, null, null, 95]);
    expect(s).toMatchObject({ numeric: 2, invalid: 1, withheld: 1, latest: 95 });
    expect(w.series('temperature')).toMatchObject({ xs: [], numeric: 0, latest: undefined });
  });

  it('holds the last two hours only, dropping what falls out as time passes', () => {
    const w = new VitalWindow();
    const now = T0 + WINDOW_MS + 50_000;
    // The first 50 s are already older than the window.
    expect(w.add([pt(0, { pulse: 1 }), pt(49, { pulse: 2 })], now)).toBe(false);
    w.add([pt(50, { pulse: 3 }), pt(100, { pulse: 4 })], now);
    expect(w.series('pulse').ys).toEqual([3, 4]);
    w.trim(now + 30_000);
    expect(w.series('pulse').ys).toEqual([4]);
    expect(w.size).toBe(1);
    // A dropped reading may come back only if it is inside the window again (it is not).
    expect(w.add([pt(50, { pulse: 3 })], now + 30_000)).toBe(false);
  });

  it('caps the number of points besides the span', () => {
    const w = new VitalWindow(WINDOW_MS, 3);
    w.add(
      [1, 2, 3, 4, 5].map((s) => pt(s, { pulse: s })),
      T0 + 10_000,
    );
    expect(w.size).toBe(3);
    expect(w.series('pulse').ys).toEqual([3, 4, 5]);
  });

  it('gives consciousness as runs of one level', () => {
    const w = new VitalWindow();
    w.add(
      [pt(1, {}, 'A'), pt(2, {}, 'A'), pt(3, {}), pt(4, {}, 'C'), pt(5, {}, null), pt(6, {}, 'C')],
      T0 + 10_000,
    );
    expect(w.consciousness()).toEqual([
      { from: T0 + 1000, to: T0 + 2000, value: 'A' },
      { from: T0 + 4000, to: T0 + 4000, value: 'C' },
      { from: T0 + 5000, to: T0 + 5000, value: null },
      { from: T0 + 6000, to: T0 + 6000, value: 'C' },
    ]);
  });
});
