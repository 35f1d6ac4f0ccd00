import type { Acvpu } from './reading.js';
import type { Criticality } from './levels.js';

/**
 * The NEWS2 chart of the Royal College of Physicians, National Early Warning
 * Score (NEWS) 2, 2017: Chart 1 (the scoring system) and Chart 2 (thresholds
 * and triggers). Each function takes a value as the chart records it (see
 * `charted`) and returns its sub-score. Bands are written as the chart prints
 * them, lowest first with inclusive upper bounds, so each line can be checked
 * against the chart by eye.
 */
export type SubScore = 0 | 1 | 2 | 3;

/**
 * A value as the chart records it: whole numbers for rates, saturation and
 * pressure, one decimal for temperature, rounded half up. Rounds the decimal
 * digits the device sent, not their binary approximation (35.05 is stored as
 * 35.0499…, which plain `Math.round(v * 10)` would chart as 35.0).
 */
export function charted(value: number, decimals: 0 | 1): number {
  return Math.round(Number(`${value}e${decimals}`)) / 10 ** decimals;
}

/** Respiration rate, per minute. */
export function scoreRespiratoryRate(perMin: number): SubScore {
  if (perMin <= 8) return 3;
  if (perMin <= 11) return 1;
  if (perMin <= 20) return 0;
  if (perMin <= 24) return 2;
  return 3;
}

/** SpO2 scale 1, %: the default scale. */
export function scoreSpo2Scale1(percent: number): SubScore {
  if (percent <= 91) return 3;
  if (percent <= 93) return 2;
  if (percent <= 95) return 1;
  return 0;
}

/**
 * SpO2 scale 2, %: for patients with hypercapnic respiratory failure whose
 * prescribed target is 88–92 %. At 93 % and above it scores only on oxygen,
 * where a high saturation means the patient is being over-oxygenated.
 */
export function scoreSpo2Scale2(percent: number, onOxygen: boolean): SubScore {
  if (percent <= 83) return 3;
  if (percent <= 85) return 2;
  if (percent <= 87) return 1;
  if (percent <= 92 || !onOxygen) return 0;
  if (percent <= 94) return 1;
  if (percent <= 96) return 2;
  return 3;
}

/** Air or oxygen: any supplemental oxygen scores 2. */
export function scoreAirOrOxygen(onOxygen: boolean): SubScore {
  return onOxygen ? 2 : 0;
}

/** Systolic blood pressure, mmHg. */
export function scoreSystolicBP(mmHg: number): SubScore {
  if (mmHg <= 90) return 3;
  if (mmHg <= 100) return 2;
  if (mmHg <= 110) return 1;
  if (mmHg <= 219) return 0;
  return 3;
}

/** Pulse, per minute. */
export function scorePulse(perMin: number): SubScore {
  if (perMin <= 40) return 3;
  if (perMin <= 50) return 1;
  if (perMin <= 90) return 0;
  if (perMin <= 110) return 1;
  if (perMin <= 130) return 2;
  return 3;
}

/** Consciousness (ACVPU): anything but Alert, new confusion included, scores 3. */
export function scoreConsciousness(level: Acvpu): SubScore {
  return level === 'A' ? 0 : 3;
}

/** Temperature, °C to one decimal. */
export function scoreTemperature(celsius: number): SubScore {
  if (celsius <= 35.0) return 3;
  if (celsius <= 36.0) return 1;
  if (celsius <= 38.0) return 0;
  if (celsius <= 39.0) return 1;
  return 2;
}

/**
 * The clinical risk of Chart 2, as Tutela's criticality level: aggregate 7+
 * high, 5–6 medium; below that, a "red score" (3 in any single parameter)
 * is low-medium, and anything else low.
 */
export function clinicalRisk(aggregate: number, redScore: boolean): Criticality {
  if (aggregate >= 7) return 'high';
  if (aggregate >= 5) return 'medium';
  if (redScore) return 'low-medium';
  return 'low';
}
