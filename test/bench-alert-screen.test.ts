import { describe, expect, it } from 'vitest';
import { attributeRaised, type RaisedSeen } from '../bench/alert-screen.js';

/**
 * Which tick raised which alert in the benchmark's alert-to-screen measure
 * (issue 5 item 7, docs/benchmarks.md): only events whose tick cannot be
 * anything else are measured; the others are counted as unknown.
 */
const tick = (src: string, due: number, pt = 'pt-1') => ({ src, pt, due });
const seen = (arrivedAt: number, resolvedAt?: number, pt = 'pt-1'): RaisedSeen => ({
  pt,
  alertId: `al-${arrivedAt}`,
  arrivedAt,
  eventAt: arrivedAt - 5,
  ...(resolvedAt === undefined ? {} : { resolvedAt }),
});

describe('attributeRaised', () => {
  it('gives each alert to the first high tick due after the previous resolve', () => {
    const r = attributeRaised(
      [tick('a1', 1000), tick('a2', 2000), tick('a3', 3000)],
      [seen(1040, 1060), seen(2030, 2050), seen(3070, 3090)],
    );
    expect(r.known.map((k) => [k.src, k.ms, k.toRaiseMs, k.pushMs])).toEqual([
      ['a1', 40, 35, 5],
      ['a2', 30, 25, 5],
      ['a3', 70, 65, 5],
    ]);
    expect(r.unknown).toBe(0);
  });

  it('keeps patients apart', () => {
    const r = attributeRaised(
      [tick('a1', 1000, 'pt-1'), tick('b1', 1010, 'pt-2')],
      [seen(1050, 1060, 'pt-2'), seen(1070, 1080, 'pt-1')],
    );
    expect(r.known.map((k) => [k.src, k.ms])).toEqual([
      ['b1', 40],
      ['a1', 70],
    ]);
  });

  it('takes a tick due before the resolve when it is the only one that could have raised it', () => {
    const r = attributeRaised(
      [tick('a1', 1000), tick('a2', 1050)],
      [seen(1040, 1100), seen(1200, 1250)],
    );
    expect(r.known.map((k) => k.src)).toEqual(['a1', 'a2']);
  });

  it('leaves out an event two ticks could have raised, and finds the thread again', () => {
    // a2 was due before the resolve of a1's alert: folded into it, or the raiser of the next
    // one (as a3 may be). a4 comes seconds later: only it can have raised the third alert.
    const r = attributeRaised(
      [tick('a1', 1000), tick('a2', 1050), tick('a3', 1150), tick('a4', 5000)],
      [seen(1040, 1100), seen(1200, 1250), seen(5040, 5060)],
    );
    expect(r.known.map((k) => k.src)).toEqual(['a1', 'a4']);
    expect(r.unknown).toBe(1);
  });

  it('does not measure an alert no known tick can have raised', () => {
    const r = attributeRaised([tick('a1', 1000)], [seen(1040, 1060), seen(1500, 1520)]);
    expect(r.known.map((k) => k.src)).toEqual(['a1']);
    expect(r.unknown).toBe(1);
  });

  it('after a resolve that failed, measures the next alert only if one tick alone can have raised it', () => {
    const one = attributeRaised(
      [tick('a1', 1000), tick('a2', 1500), tick('a3', 9000)],
      [seen(1040), seen(9040, 9060)],
    );
    expect(one.known.map((k) => k.src)).toEqual(['a1', 'a3']);
    const two = attributeRaised(
      [tick('a1', 1000), tick('a2', 8500), tick('a3', 9000)],
      [seen(1040), seen(9040, 9060)],
    );
    expect(two.known.map((k) => k.src)).toEqual(['a1']);
    expect(two.unknown).toBe(1);
  });
});
