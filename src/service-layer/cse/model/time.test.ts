import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration, parseM2MTime, toM2MTime } from './time.js';

describe('oneM2M timestamps', () => {
  it('formats in ISO 8601 basic format, UTC, fixed width', () => {
    expect(toM2MTime(Date.UTC(2026, 10, 22, 1, 2, 3, 456))).toBe('20261122T010203,456000');
  });

  it('round-trips every millisecond and sorts like time', () => {
    const ms = fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) });
    fc.assert(fc.property(ms, (t) => parseM2MTime(toM2MTime(t)) === t));
    fc.assert(
      fc.property(
        ms,
        ms,
        (a, b) => Math.sign(a - b) === Math.sign(toM2MTime(a).localeCompare(toM2MTime(b))),
      ),
    );
  });

  it('accepts the forms clients send and refuses impossible dates', () => {
    expect(parseM2MTime('20261122T010203')).toBe(Date.UTC(2026, 10, 22, 1, 2, 3));
    expect(parseM2MTime('20261122T010203Z')).toBe(Date.UTC(2026, 10, 22, 1, 2, 3));
    expect(parseM2MTime('20261122T010203.5')).toBe(Date.UTC(2026, 10, 22, 1, 2, 3, 500));
    for (const bad of ['20260231T000000', '2026-11-22T01:02:03', '20261122T250000', '', 'now']) {
      expect(parseM2MTime(bad), bad).toBeUndefined();
    }
  });

  it('parses ISO 8601 durations', () => {
    expect(parseDuration('PT5S')).toBe(5000);
    expect(parseDuration('PT1M30.5S')).toBe(90_500);
    expect(parseDuration('P1DT1H')).toBe(25 * 3600_000);
    for (const bad of ['P', 'PT', '5S', 'PT-1S']) expect(parseDuration(bad), bad).toBeUndefined();
  });
});
