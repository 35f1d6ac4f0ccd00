import type { Criticality } from '../../protocol/levels.js';
import type { Finding } from './finding.js';
import { median, type Sample, type TrackedSign } from './history.js';

/**
 * Trend detection (issue 5 item 1): a vital sign drifting the wrong way over
 * hours, often before NEWS2 scores it (a respiratory rate creeping from 14 to
 * 19 scores nothing yet). The samples of the window are grouped in bins, each
 * bin reduced to its median (one artefact moves nothing), and a least-squares
 * line is fitted through the bin medians. Thresholds and why: docs/assessment.md.
 */

export interface TrendRule {
  /** +1: rising is bad; -1: falling is bad. */
  direction: 1 | -1;
  /** The fitted change over the window must reach this much (in the sign's unit). */
  minChange: number;
  /** …at this rate at least (unit per hour), so a tiny drift over a long window is no trend. */
  minSlopePerHour: number;
  /** Name and unit for the clinician's sentence. */
  label: string;
  unit: string;
}

/** Per sign; the reasons for each number are in docs/assessment.md. */
export const TREND_RULES: Record<TrackedSign, TrendRule> = {
  respiratoryRate: {
    direction: 1,
    minChange: 4,
    minSlopePerHour: 1,
    label: 'Respiratory rate',
    unit: '/min',
  },
  pulse: { direction: 1, minChange: 15, minSlopePerHour: 4, label: 'Pulse', unit: '/min' },
  spo2: { direction: -1, minChange: 3, minSlopePerHour: 1, label: 'SpO2', unit: '%' },
  systolicBP: {
    direction: -1,
    minChange: 20,
    minSlopePerHour: 5,
    label: 'Systolic blood pressure',
    unit: 'mmHg',
  },
  temperature: {
    direction: 1,
    minChange: 1,
    minSlopePerHour: 0.3,
    label: 'Temperature',
    unit: '°C',
  },
};

export interface TrendOptions {
  /** The window looked at, ending at the latest sample. Default 4 h. */
  windowMs?: number;
  /** Bin width. Default 15 min. */
  binMs?: number;
  /** Bins with at least one sample needed. Default 6 (1 h 30 of data). */
  minBins?: number;
  /** Time between the first and the last bin needed. Default 1 h. */
  minSpanMs?: number;
  /** Share of the variance of the bin medians the line must explain. Default 0.5. */
  minR2?: number;
}

export interface TrendFit {
  /** Fitted change per hour. */
  slopePerHour: number;
  /** Fitted change from the first to the last bin. */
  change: number;
  /** Fitted value at the last bin. */
  end: number;
  spanHours: number;
  r2: number;
  bins: number;
}

const HOUR = 3_600_000;

/** The least-squares line through the bin medians of the window, or undefined when there is too little data. */
export function fitTrend(samples: readonly Sample[], o: TrendOptions = {}): TrendFit | undefined {
  const windowMs = o.windowMs ?? 4 * HOUR;
  const binMs = o.binMs ?? 15 * 60_000;
  const last = samples.at(-1);
  if (!last) return undefined;
  const bins = new Map<number, number[]>();
  for (const s of samples) {
    const age = last.t - s.t;
    if (age < 0 || age >= windowMs) continue;
    const k = Math.floor(age / binMs);
    const bin = bins.get(k);
    if (bin) bin.push(s.v);
    else bins.set(k, [s.v]);
  }
  if (bins.size < (o.minBins ?? 6)) return undefined;
  // x in hours, growing with time (the oldest bin is the largest k).
  const pts = [...bins].map(([k, vs]) => ({ x: (-k * binMs) / HOUR, y: median(vs) }));
  const xs = pts.map((p) => p.x);
  const spanHours = Math.max(...xs) - Math.min(...xs);
  if (spanHours * HOUR < (o.minSpanMs ?? HOUR)) return undefined;
  const n = pts.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = pts.reduce((a, p) => a + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const p of pts) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
    syy += (p.y - my) ** 2;
  }
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  const xEnd = Math.max(...xs);
  return {
    slopePerHour: slope,
    change: slope * spanHours,
    end: my + slope * (xEnd - mx),
    spanHours,
    r2,
    bins: n,
  };
}

const round = (x: number) => Math.round(x * 10) / 10;

/**
 * The trend finding of one sign, if any. It fires when the fitted change
 * over the window and its rate both reach the rule's minimum in the bad
 * direction, the line explains the data (R²), and, once a baseline is
 * known, the level has left it by at least half the minimum change (a sign
 * coming back to its baseline after a dip is recovery, not a trend).
 * CL low-medium; medium from twice the minimum change.
 */
export function trendFinding(
  sign: TrackedSign,
  samples: readonly Sample[],
  baseline: number | undefined,
  o: TrendOptions = {},
): Finding | undefined {
  const fit = fitTrend(samples, o);
  return fit && judgeTrend(sign, fit, baseline, o);
}

/** The finding a fitted line warrants (see trendFinding). */
export function judgeTrend(
  sign: TrackedSign,
  fit: TrendFit,
  baseline: number | undefined,
  o: Pick<TrendOptions, 'minR2'> = {},
): Finding | undefined {
  const rule = TREND_RULES[sign];
  const d = rule.direction;
  if (fit.change * d < rule.minChange) return undefined;
  if (fit.slopePerHour * d < rule.minSlopePerHour) return undefined;
  if (fit.r2 < (o.minR2 ?? 0.5)) return undefined;
  if (baseline !== undefined && (fit.end - baseline) * d < rule.minChange / 2) return undefined;
  const cl: Criticality = fit.change * d >= 2 * rule.minChange ? 'medium' : 'low-medium';
  const way = d > 0 ? 'rising' : 'falling';
  const plus = fit.change >= 0 ? '+' : '';
  const since = baseline === undefined ? '' : ` (baseline ${round(baseline)} ${rule.unit})`;
  return {
    rule: `trend.${sign}`,
    cl,
    subject: sign,
    text: `${rule.label} ${way}: ${plus}${round(fit.change)} ${rule.unit} over ${round(fit.spanHours)} h, now about ${round(fit.end)} ${rule.unit}${since}.`,
  };
}
