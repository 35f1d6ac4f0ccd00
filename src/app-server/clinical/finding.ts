import type { Criticality } from '../../protocol/levels.js';

/**
 * What one assessment rule concluded about a patient at one reading
 * (issue 5: NEWS2, per-patient thresholds, trends, stale data, device
 * faults). The alert lifecycle (../alerts/) turns findings into alerts: one
 * alert per patient and rule while the finding holds, a new one when its CL
 * rises.
 */
export interface Finding {
  /** Stable rule code, e.g. `news2`, `trend.respiratoryRate`, `stale-data`, `device.probe-off`. */
  rule: string;
  /** The criticality this finding alone warrants. */
  cl: Criticality;
  /** The vital sign or device it is about, when it is about one. */
  subject?: string;
  /** One sentence for a clinician. Health data: sealed at rest, never logged. */
  text: string;
}
