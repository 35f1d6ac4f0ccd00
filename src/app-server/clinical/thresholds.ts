import type { Criticality } from '../../protocol/levels.js';
import type { Finding } from './finding.js';
import type { TrackedSign } from './history.js';
import type { News2Assessment } from './news2.js';

/**
 * Per-patient settings set by the patient's doctors (issue 5 item 1) and
 * the findings they produce. NEWS2 itself always scores on the RCP chart;
 * these add what a clinician knows about this patient: "alert me if this
 * patient's SpO2 falls below 90", or the target range of SpO2 scale 2.
 */

/** One clinician-set limit: below and/or above, and how critical crossing it is. */
export interface Threshold {
  below?: number;
  above?: number;
  /** Default medium: the clinician asked to be told, so it reaches the alert subscribers. */
  cl?: Exclude<Criticality, 'low'>;
}

export type Thresholds = Partial<Record<TrackedSign, Threshold>>;

export interface ClinicalSettings {
  /** NEWS2 SpO2 scale (RCP 2017): 2 only for hypercapnic respiratory failure. */
  spo2Scale: 1 | 2;
  /** The prescribed SpO2 target range on scale 2 (RCP 2017 default 88–92 %). */
  spo2Target?: { low: number; high: number };
  thresholds: Thresholds;
}

export const DEFAULT_SETTINGS: ClinicalSettings = Object.freeze({
  spo2Scale: 1,
  thresholds: Object.freeze({}),
}) as ClinicalSettings;

/** RCP 2017, Chart 1: the target range of SpO2 scale 2 unless a clinician prescribes another. */
export const SCALE2_TARGET = Object.freeze({ low: 88, high: 92 });

const LABEL: Record<TrackedSign, string> = {
  respiratoryRate: 'Respiratory rate',
  spo2: 'SpO2',
  pulse: 'Pulse',
  systolicBP: 'Systolic blood pressure',
  temperature: 'Temperature',
};

/**
 * `threshold.<sign>` when the tick's charted value of a sign is below or
 * above the limit set for this patient (strictly: a limit of 90 is crossed
 * at 89), and `threshold.spo2Target` when, on scale 2, SpO2 is below the
 * target range, or above it on oxygen (RCP 2017: over-oxygenation risks
 * hypercapnia; above the range on air is fine).
 */
export function thresholdFindings(news2: News2Assessment, s: ClinicalSettings): Finding[] {
  const out: Finding[] = [];
  for (const [sign, t] of Object.entries(s.thresholds) as [TrackedSign, Threshold][]) {
    const v = news2.parameters[sign]?.value;
    if (v === undefined) continue;
    const cl = t.cl ?? 'medium';
    if (t.below !== undefined && v < t.below)
      out.push({
        rule: `threshold.${sign}`,
        cl,
        subject: sign,
        text: `${LABEL[sign]} ${v} is below this patient's limit of ${t.below}.`,
      });
    else if (t.above !== undefined && v > t.above)
      out.push({
        rule: `threshold.${sign}`,
        cl,
        subject: sign,
        text: `${LABEL[sign]} ${v} is above this patient's limit of ${t.above}.`,
      });
  }
  if (s.spo2Scale === 2) {
    const target = s.spo2Target ?? SCALE2_TARGET;
    const spo2 = news2.parameters.spo2?.value;
    const onOxygen = news2.parameters.airOrOxygen?.value === 'oxygen';
    if (spo2 !== undefined && (spo2 < target.low || (onOxygen && spo2 > target.high)))
      out.push({
        rule: 'threshold.spo2Target',
        cl: 'low-medium',
        subject: 'spo2',
        text: `SpO2 ${spo2} % is ${spo2 < target.low ? 'below' : 'above (on oxygen)'} the prescribed target ${target.low}–${target.high} %.`,
      });
  }
  return out;
}
