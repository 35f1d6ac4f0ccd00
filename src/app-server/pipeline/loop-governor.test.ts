import { afterEach, describe, expect, it, vi } from 'vitest';
import { LoopGovernor } from './loop-governor.js';

/** A governor with the pipeline's thresholds, recording each new allowance in `heard`. */
const governor = (max: number, heard: number[], delayP99?: () => number) =>
  new LoopGovernor({
    max,
    highMs: 20,
    lowMs: 8,
    everyMs: 100,
    onChange: (n) => heard.push(n),
    ...(delayP99 ? { delayP99 } : {}),
  });

describe('LoopGovernor', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('halves the allowance while the loop is slow, grows it by one while it is quick', () => {
    vi.useFakeTimers();
    const delays = [50, 50, 12, 3, 3, 90, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const heard: number[] = [];
    const g = governor(16, heard, () => delays.shift() ?? 1);
    expect(g.limit).toBe(16); // starts at the top
    vi.advanceTimersByTime(100 * 6);
    // 50 → 8, 50 → 4, 12 holds, 3 → 5, 3 → 6, 90 → 3
    expect(heard).toEqual([8, 4, 5, 6, 3]);
    vi.advanceTimersByTime(100 * 30);
    // Quick from then on: back to the top one step at a time, and no further.
    expect(heard.slice(5)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(g.limit).toBe(16);
    g.close();
  });

  it('never goes below one, and measures the real loop when not told how', async () => {
    vi.useFakeTimers();
    const heard: number[] = [];
    const g = governor(4, heard, () => 1000);
    vi.advanceTimersByTime(100 * 5);
    expect(heard).toEqual([2, 1]);
    g.close();
    vi.useRealTimers();

    // The default sampler: a loop blocked for 60 ms halves the allowance.
    const real: number[] = [];
    const live = governor(4, real);
    for (let i = 0; i < 5 && real.length === 0; i++) {
      const until = Date.now() + 60;
      while (Date.now() < until); // a busy loop: nothing else runs
      await new Promise((r) => setTimeout(r, 110));
    }
    live.close();
    expect(real[0]).toBe(2);
  });
});
