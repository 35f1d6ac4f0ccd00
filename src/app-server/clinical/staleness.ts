import type { Criticality } from '../../protocol/levels.js';
import type { Finding } from './finding.js';
import { median } from './history.js';

/**
 * Stale data (issue 5 item 1): a patient whose gateway has gone quiet. No
 * reading arrives to trigger the check, so the application server calls
 * `check(now)` on a timer; the clock is always passed in, so tests drive it.
 * Arrival times are kept in memory only; after a restart every provisioned
 * patient is watched again from the start-up (`watch`).
 */

export interface StaleOptions {
  /** Stale after this many expected intervals without a reading. Default 3. */
  factor?: number;
  /** …but never before this long, so a network hiccup is no finding. Default 2 min. */
  minStaleMs?: number;
  /** The interval assumed until a patient's own is learnt. Default 60 s. */
  defaultIntervalMs?: number;
  /** CL medium once silent for this many times the stale threshold. Default 10. */
  mediumAfter?: number;
}

interface Watched {
  last: number;
  /** The latest gaps between arrivals (at most GAPS of them). */
  gaps: number[];
}

const GAPS = 15;

export interface StaleFinding {
  pt: string;
  finding: Finding;
}

export class StaleWatch {
  private readonly factor: number;
  private readonly minStaleMs: number;
  private readonly defaultIntervalMs: number;
  private readonly mediumAfter: number;
  private readonly watched = new Map<string, Watched>();

  constructor(o: StaleOptions = {}) {
    this.factor = o.factor ?? 3;
    this.minStaleMs = o.minStaleMs ?? 120_000;
    this.defaultIntervalMs = o.defaultIntervalMs ?? 60_000;
    this.mediumAfter = o.mediumAfter ?? 10;
  }

  /** A reading of `pt` arrived at `now`. */
  seen(pt: string, now: number): void {
    const w = this.watched.get(pt);
    if (!w) {
      this.watched.set(pt, { last: now, gaps: [] });
      return;
    }
    if (now > w.last) {
      w.gaps.push(now - w.last);
      if (w.gaps.length > GAPS) w.gaps.shift();
      w.last = now;
    }
  }

  /** Watches `pt` from `now` without a reading (at start-up), unless already watched. */
  watch(pt: string, now: number): void {
    if (!this.watched.has(pt)) this.watched.set(pt, { last: now, gaps: [] });
  }

  forget(pt: string): void {
    this.watched.delete(pt);
  }

  /**
   * The patient's expected interval: the median of their latest gaps, so one
   * long outage or a burst of spooled readings does not change it.
   */
  expectedInterval(pt: string): number {
    const gaps = this.watched.get(pt)?.gaps ?? [];
    return gaps.length >= 3 ? median(gaps) : this.defaultIntervalMs;
  }

  /** How long `pt` may be silent before the data is stale. */
  threshold(pt: string): number {
    return Math.max(this.factor * this.expectedInterval(pt), this.minStaleMs);
  }

  /** One `stale-data` finding per patient silent for longer than their threshold at `now`. */
  check(now: number): StaleFinding[] {
    const out: StaleFinding[] = [];
    for (const [pt, w] of this.watched) {
      const silent = now - w.last;
      const limit = this.threshold(pt);
      if (silent <= limit) continue;
      const cl: Criticality = silent > this.mediumAfter * limit ? 'medium' : 'low-medium';
      const minutes = Math.floor(silent / 60_000);
      out.push({
        pt,
        finding: {
          rule: 'stale-data',
          cl,
          text: `No reading for ${minutes} min (expected about every ${Math.round(this.expectedInterval(pt) / 1000)} s).`,
        },
      });
    }
    return out;
  }
}
