import type { Reading } from '../../protocol/reading.js';
import {
  ACVPU_ANSWERS,
  DATA_ABSENT_ERROR,
  DIASTOLIC,
  MM_HG,
  SYSTOLIC,
  UCUM,
  VITAL_SIGNS,
  VITAL_SIGNS_CATEGORY,
  type Unit,
} from './fhir-codes.js';
import type { CodeableConcept, Observation, Quantity } from './fhir-r4.js';
import { isPlausible } from './plausibility.js';

/** A reading that is an observation of the patient (device status is not). */
export type VitalReading = Exclude<Reading, { metric: 'deviceStatus' }>;

export interface ObservationContext {
  id: string;
  /** `Patient/<id>` */
  subject: string;
  /** `Device/<id>` */
  device: string;
}

const quantity = (value: number, unit: Unit): Quantity => ({ value, system: UCUM, ...unit });

/**
 * One reading as an R4 vital-signs Observation
 * (http://hl7.org/fhir/R4/observation-vitalsigns.html): status, vital-signs
 * category, LOINC code, subject, effectiveDateTime, and a value, components
 * (blood pressure) or a dataAbsentReason (vs-2, vs-3).
 *
 * A reading flagged as an artefact, or outside physiological limits
 * (./plausibility.ts), keeps its Observation, so the record shows a
 * measurement was attempted, but carries no value: R4 obs-6 makes value[x]
 * and dataAbsentReason exclusive, and dataAbsentReason `error` is how FHIR
 * says "there is a value, and it is not usable". The device's number is kept
 * in a note, worded as invalid, for whoever has to look into the device.
 * Status stays `final`: the observation is complete, and `entered-in-error`
 * would claim it never happened.
 */
export function vitalSignObservation(reading: VitalReading, ctx: ObservationContext): Observation {
  const sign = VITAL_SIGNS[reading.metric];
  const observation: Observation = {
    resourceType: 'Observation',
    id: ctx.id,
    meta: { profile: [sign.profile] },
    status: 'final',
    category: [VITAL_SIGNS_CATEGORY],
    code: sign.code,
    subject: { reference: ctx.subject },
    effectiveDateTime: reading.at,
    device: { reference: ctx.device },
  };
  if (reading.artefact === true) return { ...observation, ...unusable(reading, 'artefact') };
  if (!isPlausible(reading)) return { ...observation, ...unusable(reading, 'implausible') };
  return { ...observation, ...value(reading) };
}

function value(reading: VitalReading): Partial<Observation> {
  switch (reading.metric) {
    case 'bloodPressure':
      // The panel has no value of its own (R4 bp profile): the pressures are its components.
      return {
        component: [
          { code: SYSTOLIC, valueQuantity: quantity(reading.systolic, MM_HG) },
          { code: DIASTOLIC, valueQuantity: quantity(reading.diastolic, MM_HG) },
        ],
      };
    case 'consciousness':
      return { valueCodeableConcept: ACVPU_ANSWERS[reading.value] };
    case 'supplementalOxygen':
      // Breathing room air is an inhaled oxygen flow of 0 L/min.
      return {
        valueQuantity: quantity(reading.on ? reading.flowLpm : 0, VITAL_SIGNS[reading.metric].unit),
      };
    default:
      return { valueQuantity: quantity(reading.value, VITAL_SIGNS[reading.metric].unit) };
  }
}

function unusable(reading: VitalReading, why: 'artefact' | 'implausible'): Partial<Observation> {
  const dataAbsentReason: CodeableConcept = {
    coding: [DATA_ABSENT_ERROR],
    text:
      why === 'artefact'
        ? 'Flagged by the device as a measurement artefact'
        : 'Outside physiological limits: a device fault',
  };
  const note = [{ text: `Not a valid measurement. The device reported ${reported(reading)}.` }];
  if (reading.metric !== 'bloodPressure') return { dataAbsentReason, note };
  // vs-3: each component has a value or a reason for its absence.
  return {
    dataAbsentReason,
    component: [
      { code: SYSTOLIC, dataAbsentReason },
      { code: DIASTOLIC, dataAbsentReason },
    ],
    note,
  };
}

function reported(reading: VitalReading): string {
  switch (reading.metric) {
    case 'bloodPressure':
      return `${String(reading.systolic)}/${String(reading.diastolic)} mmHg`;
    case 'supplementalOxygen':
      return reading.on ? `oxygen on at ${String(reading.flowLpm)} L/min` : 'oxygen off';
    case 'consciousness':
      return `ACVPU ${String(reading.value)}`;
    default:
      return `${String(reading.value)} ${VITAL_SIGNS[reading.metric].unit.unit}`;
  }
}
