import type { ChartedKey } from './bands.js';
import type { ConsciousnessValue, SignValue, VitalPoint } from './series.js';

/** The charts' history: the last 2 hours (issue 5 item 6). */
export const WINDOW_MS = 2 * 60 * 60 * 1000;
/** A hard cap besides the time span: one reading a second for the whole window. */
export const MAX_POINTS = 7200;

export interface SignSeries {
  /** uPlot's data: times in seconds, values with `null` for a gap. */
  xs: number[];
  ys: (number | null)[];
  /** Points with a number (charted), without a valid value (gaps), and withheld at this level. */
  numeric: number;
  invalid: number;
  withheld: number;
  latest: SignValue | undefined;
}

export interface ConsciousnessRun {
  from: number;
  to: number;
  value: ConsciousnessValue;
}

/**
 * A patient's vital points over a sliding window, oldest first, one per
 * reading: the history from the CSE and the live appends may overlap, and a
 * reading seen twice is kept once. Memory is bounded: points older than the
 * window, or beyond MAX_POINTS, are dropped.
 */
export class VitalWindow {
  private points: VitalPoint[] = [];
  private readonly seen = new Set<string>();

  constructor(
    private readonly spanMs = WINDOW_MS,
    private readonly maxPoints = MAX_POINTS,
  ) {}

  get size(): number {
    return this.points.length;
  }

  /** Adds points (any order); false if none was new and inside the window. */
  add(points: VitalPoint[], now: number): boolean {
    let added = false;
    const start = now - this.spanMs;
    for (const p of points) {
      if (!Number.isFinite(p.t) || p.t < start || this.seen.has(p.src)) continue;
      this.seen.add(p.src);
      // Live points come in order: appending is the common case; history may interleave.
      const at =
        this.points.length === 0 || this.points.at(-1)!.t <= p.t
          ? this.points.length
          : this.insertionIndex(p.t);
      this.points.splice(at, 0, p);
      added = true;
    }
    this.trim(now);
    return added;
  }

  /** Drops what fell out of the window (call as time passes, even without new points). */
  trim(now: number): void {
    const start = now - this.spanMs;
    let drop = 0;
    while (drop < this.points.length && this.points[drop]!.t < start) drop++;
    drop = Math.max(drop, this.points.length - this.maxPoints);
    if (drop <= 0) return;
    for (const p of this.points.slice(0, drop)) this.seen.delete(p.src);
    this.points = this.points.slice(drop);
  }

  series(key: ChartedKey): SignSeries {
    const out: SignSeries = {
      xs: [],
      ys: [],
      numeric: 0,
      invalid: 0,
      withheld: 0,
      latest: undefined,
    };
    for (const p of this.points) {
      const v = p.signs[key];
      if (v === undefined) continue;
      out.xs.push(p.t / 1000);
      if (typeof v === 'number') {
        out.ys.push(v);
        out.numeric++;
      } else {
        // Neither a masked nor an invalid value is a zero: both break the line.
        out.ys.push(null);
        if (v === 'withheld') out.withheld++;
        else out.invalid++;
      }
      out.latest = v;
    }
    return out;
  }

  /** Consciousness as runs of one level (a strip), oldest first. */
  consciousness(): ConsciousnessRun[] {
    const runs: ConsciousnessRun[] = [];
    for (const p of this.points) {
      if (p.consciousness === undefined) continue;
      const last = runs.at(-1);
      if (last && last.value === p.consciousness) last.to = p.t;
      else runs.push({ from: p.t, to: p.t, value: p.consciousness });
    }
    return runs;
  }

  private insertionIndex(t: number): number {
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.points[mid]!.t <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
