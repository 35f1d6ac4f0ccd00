/**
 * A realistic tick for the privacy tests: what the FHIR mapping makes of one
 * gateway batch (vital-signs Observations with LOINC codes and UCUM units, the
 * patient's Location, a note as a Communication).
 */
import type { FhirBundle, FhirResource } from './fhir.js';

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const AT = '2025-03-04T10:02:00+01:00';
const subject = { reference: 'Patient/p-7f3a' };
const vitalSigns = [
  {
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/observation-category',
        code: 'vital-signs',
        display: 'Vital Signs',
      },
    ],
  },
];

/** Keeps the literal's own type while checking it is a resource. */
function resource<T extends FhirResource>(r: T): T {
  return r;
}

export const bloodPressure = resource({
  resourceType: 'Observation',
  id: '0b6c2f0e-bp',
  meta: { profile: ['http://hl7.org/fhir/StructureDefinition/bp'] },
  status: 'final',
  category: vitalSigns,
  code: {
    coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel' }],
    text: 'Blood pressure',
  },
  subject,
  effectiveDateTime: AT,
  issued: '2025-03-04T10:02:05+01:00',
  device: { reference: 'Device/cuff-1' },
  interpretation: [
    {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
          code: 'H',
        },
      ],
    },
  ],
  component: [
    {
      code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }] },
      valueQuantity: { value: 182, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
    },
    {
      code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }] },
      valueQuantity: { value: 111, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
    },
  ],
});

export const oxygenSaturation = resource({
  resourceType: 'Observation',
  id: '5d1e9a44-spo2',
  status: 'final',
  category: vitalSigns,
  code: {
    coding: [
      { system: LOINC, code: '59408-5', display: 'Oxygen saturation by pulse oximetry' },
      { system: LOINC, code: '2708-6', display: 'Oxygen saturation in Arterial blood' },
    ],
  },
  subject,
  effectiveDateTime: AT,
  valueQuantity: { value: 91, unit: '%', system: UCUM, code: '%' },
  note: [{ text: 'Probe slipped twice, re-seated' }],
});

/** The oximeter reported "probe-off": no value, a reason instead (obs-6). */
export const heartRate = resource({
  resourceType: 'Observation',
  id: '9a0f3b71-hr',
  status: 'final',
  category: vitalSigns,
  code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }] },
  subject,
  effectiveDateTime: AT,
  dataAbsentReason: {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'error' }],
  },
});

export const position = resource({
  resourceType: 'Location',
  id: '3c8d7e22-loc',
  status: 'active',
  mode: 'instance',
  position: { latitude: 48.8566, longitude: 2.3522 },
});

export const note = resource({
  resourceType: 'Communication',
  id: 'e4f5a6b7-note',
  status: 'completed',
  subject,
  sent: '2025-03-04T10:01:40+01:00',
  payload: [{ contentString: 'Felt dizzy after climbing the stairs' }],
});

export function wardTick(): FhirBundle {
  return structuredClone({
    resourceType: 'Bundle',
    id: 'tick-4411',
    type: 'collection',
    timestamp: '2025-03-04T10:02:06+01:00',
    entry: [bloodPressure, oxygenSaturation, heartRate, position, note].map((r) => ({
      fullUrl: `urn:uuid:${r.id}`,
      resource: r,
    })),
  });
}
