import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StaleWatch } from './staleness.js';

const T0 = 1_800_000_000_000;

describe('StaleWatch', () => {
  it('flags a patient silent for longer than 3 expected intervals (60 s until learnt)', () => {
    const w = new StaleWatch();
    w.seen('pt-1', T0);
    expect(w.check(T0 + 180_000)).toEqual([]);
    const [f] = w.check(T0 + 180_001);
    expect(f).toMatchObject({ pt: 'pt-1', finding: { rule: 'stale-data', cl: 'low-medium' } });
  });

  it('learns the interval from arrivals, but never flags before 2 min', () => {
    const w = new StaleWatch();
    for (let i = 0; i <= 5; i++) w.seen('pt-1', T0 + i * 5_000); // every 5 s
    const last = T0 + 25_000;
    expect(w.expectedInterval('pt-1')).toBe(5_000);
    expect(w.check(last + 120_000)).toEqual([]);
    expect(w.check(last + 120_001)).toHaveLength(1);
    const slow = new StaleWatch();
    for (let i = 0; i <= 5; i++) slow.seen('pt-2', T0 + i * 300_000); // every 5 min
    expect(slow.check(T0 + 1_500_000 + 900_000)).toEqual([]);
    expect(slow.check(T0 + 1_500_000 + 900_001)).toHaveLength(1);
  });

  it('is medium after 10 times the threshold', () => {
    const w = new StaleWatch();
    w.seen('pt-1', T0);
    expect(w.check(T0 + 1_800_000)[0]!.finding.cl).toBe('low-medium');
    expect(w.check(T0 + 1_800_001)[0]!.finding.cl).toBe('medium');
  });

  it('a reading ends it; a watched patient with no reading yet is measured from the watch', () => {
    const w = new StaleWatch();
    w.watch('pt-1', T0);
    w.watch('pt-1', T0 + 100_000); // already watched: unchanged
    expect(w.check(T0 + 180_001)).toHaveLength(1);
    w.seen('pt-1', T0 + 200_000);
    expect(w.check(T0 + 200_000 + 180_000)).toEqual([]);
    w.forget('pt-1');
    expect(w.check(T0 + 10_000_000)).toEqual([]);
  });

  it('never flags within 2 min of a reading, always flags beyond 3 × the longest recent gap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1_000, max: 600_000 }), { minLength: 3, maxLength: 15 }),
        fc.integer({ min: 0, max: 120_000 }),
        (gaps, wait) => {
          const w = new StaleWatch();
          let t = T0;
          w.seen('pt-1', t);
          for (const g of gaps) w.seen('pt-1', (t += g));
          expect(w.check(t + wait)).toEqual([]);
          const beyond = Math.max(3 * Math.max(...gaps), 120_000) + 1;
          expect(w.check(t + beyond)).toHaveLength(1);
        },
      ),
    );
  });
});
