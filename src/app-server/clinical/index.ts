/** The clinical stages of the application server's pipeline (DESIGN.md, steps 4 and 6). */
export {
  assessNews2,
  NEWS2_PARAMETERS,
  type DeviceProblem,
  type ExcludedReading,
  type News2Assessment,
  type News2Options,
  type News2Parameter,
  type News2Parameters,
  type ReadingSource,
  type ScoredParameter,
} from './news2.js';
export type { SubScore } from './news2-chart.js';
export { isPlausible, PHYSIOLOGICAL_LIMITS } from './plausibility.js';
export { toFhirBundle, type FhirOptions } from './fhir.js';
export { fhirId } from './fhir-ids.js';
export type * from './fhir-r4.js';
export type { Finding } from './finding.js';
export {
  Assessor,
  highestCl,
  news2Finding,
  type Assessment,
  type AssessorOptions,
} from './assessor.js';
export { TRACKED_SIGNS, type TrackedSign, type HistoryOptions } from './history.js';
export { TREND_RULES, type TrendOptions } from './trend.js';
export type { StaleFinding, StaleOptions } from './staleness.js';
export type { DeviceFaultOptions } from './device-faults.js';
export {
  DEFAULT_SETTINGS,
  SCALE2_TARGET,
  type ClinicalSettings,
  type Threshold,
  type Thresholds,
} from './thresholds.js';
