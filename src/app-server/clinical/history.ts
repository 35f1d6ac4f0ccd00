import type { News2Assessment } from './news2.js';

/**
 * The rolling per-patient history the per-patient rules read (issue 5 item 1:
 * baselines and trends). It lives IN MEMORY only: values are health data and
 * must never reach the disk in clear, and sealing a time series per reading
 * would cost more than it serves. After a restart it is empty and rebuilds
 * itself from the readings that arrive (a trend needs its window again, a
 * baseline its first hours again): docs/assessment.md, "Limits".
 */

/** The vital signs the per-patient rules follow (NEWS2 parameters with a number). */
export const TRACKED_SIGNS = [
  'respiratoryRate',
  'spo2',
  'pulse',
  'systolicBP',
  'temperature',
] as const;
export type TrackedSign = (typeof TRACKED_SIGNS)[number];

/** One value of a sign at one time (ms since the epoch). */
export interface Sample {
  t: number;
  v: number;
}

export interface HistoryOptions {
  /** How far back samples are kept (the trend window plus one bin). Default 4 h 15 min. */
  retainMs?: number;
  /** Samples closer than this to the previous kept one are dropped. Default 30 s. */
  minSpacingMs?: number;
  /** Hard cap of samples per patient and sign, whatever the clock says. Default 600. */
  maxSamples?: number;
  /** The baseline is the median of the first this-long of a sign. Default 2 h. */
  baselineMs?: number;
  /** …of at least this many samples; otherwise it waits for more. Default 12. */
  baselineMinSamples?: number;
}

interface SignHistory {
  samples: Sample[];
  /** The first samples, kept only until the baseline is set. */
  early: Sample[];
  baseline: number | undefined;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Samples per patient and sign, bounded three ways (age, spacing, count), so
 * a patient sending every second costs no more memory than one sending every
 * 30 s: at most `maxSamples` numbers per sign, five signs per patient.
 */
export class PatientHistory {
  private readonly retainMs: number;
  private readonly minSpacingMs: number;
  private readonly maxSamples: number;
  private readonly baselineMs: number;
  private readonly baselineMinSamples: number;
  private readonly patients = new Map<string, Map<TrackedSign, SignHistory>>();

  constructor(o: HistoryOptions = {}) {
    this.retainMs = o.retainMs ?? 4.25 * 3_600_000;
    this.minSpacingMs = o.minSpacingMs ?? 30_000;
    this.maxSamples = o.maxSamples ?? 600;
    this.baselineMs = o.baselineMs ?? 2 * 3_600_000;
    this.baselineMinSamples = o.baselineMinSamples ?? 12;
  }

  /** Adds the usable values NEWS2 charted for one tick (artefacts and impossible values are already out). */
  addAssessment(pt: string, news2: News2Assessment): void {
    for (const sign of TRACKED_SIGNS) {
      const p = news2.parameters[sign];
      const t = p ? Date.parse(p.at) : NaN;
      if (p && Number.isFinite(t)) this.add(pt, sign, { t, v: p.value });
    }
  }

  add(pt: string, sign: TrackedSign, s: Sample): void {
    let signs = this.patients.get(pt);
    if (!signs) this.patients.set(pt, (signs = new Map()));
    let h = signs.get(sign);
    if (!h) signs.set(sign, (h = { samples: [], early: [], baseline: undefined }));
    const last = h.samples.at(-1);
    // A reading older than what we hold (a late, spooled tick) or too close to the
    // previous one adds nothing a trend over hours would see.
    if (last && s.t < last.t + this.minSpacingMs) return;
    h.samples.push(s);
    const oldest = s.t - this.retainMs;
    let drop = 0;
    while (drop < h.samples.length && h.samples[drop]!.t < oldest) drop++;
    drop = Math.max(drop, h.samples.length - this.maxSamples);
    if (drop > 0) h.samples.splice(0, drop);
    this.learnBaseline(h, s);
  }

  /**
   * The baseline is learnt once, as the median of the sign's first
   * `baselineMs` (robust to the odd outlier), and then kept: a slow drift must
   * not drag its own reference along with it.
   */
  private learnBaseline(h: SignHistory, s: Sample): void {
    if (h.baseline !== undefined) return;
    const first = h.early[0];
    if (first && s.t >= first.t + this.baselineMs) {
      if (h.early.length >= this.baselineMinSamples) {
        h.baseline = median(h.early.map((e) => e.v));
        h.early = [];
        return;
      }
      // Too sparse: slide the start until enough samples fall in one period.
      while (h.early.length > 0 && s.t >= h.early[0]!.t + this.baselineMs) h.early.shift();
    }
    if (h.early.length < this.maxSamples) h.early.push(s);
  }

  samples(pt: string, sign: TrackedSign): readonly Sample[] {
    return this.patients.get(pt)?.get(sign)?.samples ?? [];
  }

  baseline(pt: string, sign: TrackedSign): number | undefined {
    return this.patients.get(pt)?.get(sign)?.baseline;
  }

  /** Forgets a patient (erased, or no longer monitored). */
  forget(pt: string): void {
    this.patients.delete(pt);
  }
}
