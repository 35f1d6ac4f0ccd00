import type { Acvpu, Metric } from '../../protocol/reading.js';
import type { CodeableConcept, Coding } from './fhir-r4.js';

/**
 * The terminology of Tutela's FHIR output: the R4 vital-signs profiles
 * (http://hl7.org/fhir/R4/observation-vitalsigns.html), their LOINC codes and
 * UCUM units, and the SNOMED CT codes the NHS NEWS2 FHIR guidance uses where
 * LOINC has none.
 */
export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const UCUM = 'http://unitsofmeasure.org';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const DATA_ABSENT_REASON = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';

const loinc = (code: string, display: string): Coding => ({ system: LOINC, code, display });
const snomed = (code: string, display: string): Coding => ({ system: SNOMED, code, display });
const profile = (name: string) => `http://hl7.org/fhir/StructureDefinition/${name}`;

export const VITAL_SIGNS_PROFILE = profile('vitalsigns');

export const VITAL_SIGNS_CATEGORY: CodeableConcept = {
  coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }],
};

/** A score computed from other observations: the category the NHS NEWS2 guidance gives it. */
export const SURVEY_CATEGORY: CodeableConcept = {
  coding: [{ system: OBSERVATION_CATEGORY, code: 'survey', display: 'Survey' }],
};

/** A UCUM unit: `code` is the UCUM expression, `unit` what people read. */
export interface Unit {
  code: string;
  unit: string;
}

export interface VitalSign {
  /** The most specific R4 vital-signs profile the observation conforms to. */
  profile: string;
  code: CodeableConcept;
  /** The unit of valueQuantity; the blood-pressure panel has none (its components do). */
  unit?: Unit;
}

type Observed = Exclude<Metric, 'deviceStatus'>;

export const VITAL_SIGNS = {
  // The R4 oxygensat profile fixes 2708-6; 59408-5 says it was measured by pulse oximetry.
  spo2: {
    profile: profile('oxygensat'),
    code: {
      coding: [
        loinc('2708-6', 'Oxygen saturation in Arterial blood'),
        loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry'),
      ],
      text: 'Oxygen saturation',
    },
    unit: { code: '%', unit: '%' },
  },
  pulse: {
    profile: profile('heartrate'),
    code: { coding: [loinc('8867-4', 'Heart rate')], text: 'Heart rate' },
    unit: { code: '/min', unit: 'beats/minute' },
  },
  respiratoryRate: {
    profile: profile('resprate'),
    code: { coding: [loinc('9279-1', 'Respiratory rate')], text: 'Respiratory rate' },
    unit: { code: '/min', unit: 'breaths/minute' },
  },
  temperature: {
    profile: profile('bodytemp'),
    code: { coding: [loinc('8310-5', 'Body temperature')], text: 'Body temperature' },
    unit: { code: 'Cel', unit: '°C' },
  },
  bloodPressure: {
    profile: profile('bp'),
    code: {
      coding: [loinc('85354-9', 'Blood pressure panel with all children optional')],
      text: 'Blood pressure',
    },
  },
  // 3151-8 is in the R4 vital-signs value set but has no profile of its own.
  supplementalOxygen: {
    profile: VITAL_SIGNS_PROFILE,
    code: { coding: [loinc('3151-8', 'Inhaled oxygen flow rate')], text: 'Oxygen flow rate' },
    unit: { code: 'L/min', unit: 'L/min' },
  },
  // No vital-signs value set code fits responsiveness, so the profile's extensible binding
  // admits LOINC 67775-7; the SNOMED CT UK code is the one the NHS NEWS2 FHIR guidance fixes.
  consciousness: {
    profile: VITAL_SIGNS_PROFILE,
    code: {
      coding: [
        loinc('67775-7', 'Level of responsiveness'),
        snomed('1104441000000107', 'ACVPU (Alert Confusion Voice Pain Unresponsive) scale score'),
      ],
      text: 'Level of consciousness (ACVPU)',
    },
  },
} satisfies Record<Observed, VitalSign>;

export const SYSTOLIC: CodeableConcept = {
  coding: [loinc('8480-6', 'Systolic blood pressure')],
  text: 'Systolic blood pressure',
};
export const DIASTOLIC: CodeableConcept = {
  coding: [loinc('8462-4', 'Diastolic blood pressure')],
  text: 'Diastolic blood pressure',
};
export const MM_HG: Unit = { code: 'mm[Hg]', unit: 'mmHg' };

/**
 * ACVPU answers, from the HL7 UK CareConnect-ACVPU-1 value set (SNOMED CT).
 * LOINC's answer list for 67775-7 is AVPU only, so new confusion (C) is coded
 * 130987000 |Acute confusion|, as that value set does.
 */
export const ACVPU_ANSWERS: Record<Acvpu, CodeableConcept> = {
  A: { coding: [snomed('248234008', 'Mentally alert')], text: 'Alert' },
  C: { coding: [snomed('130987000', 'Acute confusion')], text: 'New confusion' },
  V: { coding: [snomed('300202002', 'Responds to voice')], text: 'Responds to voice' },
  P: { coding: [snomed('450847001', 'Responds to pain')], text: 'Responds to pain' },
  U: { coding: [snomed('422768004', 'Unresponsive')], text: 'Unresponsive' },
};

/**
 * NEWS2 total score. LOINC has no NEWS2 code we could confirm; SNOMED CT UK
 * has this one, used by UK Core and the NHS NEWS2 FHIR guidance.
 */
export const NEWS2_TOTAL: CodeableConcept = {
  coding: [
    snomed(
      '1104051000000101',
      'Royal College of Physicians NEWS2 (National Early Warning Score 2) total score',
    ),
  ],
  text: 'NEWS2 total score',
};
export const SCORE: Unit = { code: '{score}', unit: 'score' };

/** data-absent-reason `error`: the value exists but is not usable (R4 ValueSet data-absent-reason). */
export const DATA_ABSENT_ERROR: Coding = {
  system: DATA_ABSENT_REASON,
  code: 'error',
  display: 'Error',
};
