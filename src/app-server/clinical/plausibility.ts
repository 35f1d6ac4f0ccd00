import type { Reading } from '../../protocol/reading.js';

/**
 * Physiological plausibility of a reading: the limits beyond which a value
 * cannot be a measurement of a living patient, so it is a device or
 * transmission fault. Such a value is never scored (NEWS2) and never emitted
 * as a valid FHIR value; it is reported as an artefact instead.
 *
 * The limits are deliberately wide. A value that is extreme but possible (a
 * pulse of 25, SpO2 of 60 %, a respiratory rate of 0) must reach the chart and
 * score 3; discarding it as an artefact would hide the very deterioration
 * NEWS2 exists to catch. RCP 2017 defines no such limits: these are Tutela's,
 * and sit inside the physical bounds the boundary schema enforces.
 */
export const PHYSIOLOGICAL_LIMITS = {
  /** % saturation: cannot exceed 100. */
  spo2: { min: 0, max: 100 },
  /** beats/min: 0 is asystole (possible); no human rhythm conducts above 300. */
  pulse: { min: 0, max: 300 },
  /** breaths/min: 0 is apnoea (possible). */
  respiratoryRate: { min: 0, max: 100 },
  /** °C, core body temperature compatible with life. */
  temperature: { min: 25, max: 45 },
  /** mm[Hg]: a cuff cannot measure a systolic pressure below 30. */
  systolic: { min: 30, max: 300 },
  diastolic: { min: 10, max: 250 },
  /** L/min: beyond what high-flow nasal oxygen delivers. */
  oxygenFlow: { min: 0, max: 80 },
} as const;

const ACVPU_VALUES: readonly unknown[] = ['A', 'C', 'V', 'P', 'U'];

interface Limits {
  min: number;
  max: number;
}

// Number.isFinite also rejects non-numbers, should a value arrive mistyped.
function within(value: number, { min, max }: Limits): boolean {
  return Number.isFinite(value) && value >= min && value <= max;
}

/** Whether a reading's values could have been measured on a living patient. */
export function isPlausible(reading: Reading): boolean {
  const L = PHYSIOLOGICAL_LIMITS;
  switch (reading.metric) {
    case 'spo2':
      return within(reading.value, L.spo2);
    case 'pulse':
      return within(reading.value, L.pulse);
    case 'respiratoryRate':
      return within(reading.value, L.respiratoryRate);
    case 'temperature':
      return within(reading.value, L.temperature);
    case 'bloodPressure':
      // The diastolic pressure is the trough of the same wave: it cannot reach the systolic.
      return (
        within(reading.systolic, L.systolic) &&
        within(reading.diastolic, L.diastolic) &&
        reading.diastolic < reading.systolic
      );
    case 'supplementalOxygen':
      // The flow only matters when oxygen is on (off is charted as flow 0).
      return (
        typeof reading.on === 'boolean' && (!reading.on || within(reading.flowLpm, L.oxygenFlow))
      );
    case 'consciousness':
      return ACVPU_VALUES.includes(reading.value);
    case 'deviceStatus':
      return true;
  }
}
