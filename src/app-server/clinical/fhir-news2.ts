import { NEWS2_TOTAL, SCORE, SURVEY_CATEGORY, UCUM } from './fhir-codes.js';
import type { Observation } from './fhir-r4.js';
import { NEWS2_PARAMETERS, type News2Assessment } from './news2.js';

export interface News2Context {
  id: string;
  /** `Patient/<id>` */
  subject: string;
  /** When the tick was taken. */
  effectiveDateTime: string;
  /** The Observation id of the reading at a given index of the tick. */
  observationId: (reading: number) => string;
}

/**
 * A NEWS2 assessment (./news2.ts) as an Observation of the total score, as
 * the NHS NEWS2 FHIR guidance shapes it: category survey, SNOMED CT UK code,
 * `{score}` quantity, derivedFrom the observations that were scored. It is a
 * score, not a vital sign, so it claims no vital-signs profile. A partial
 * score is `preliminary` (R4: "data may be incomplete") and says which
 * parameters it lacks; the SpO2 scale is stated because it changes the score.
 */
export function news2Observation(assessment: News2Assessment, ctx: News2Context): Observation {
  const sources = NEWS2_PARAMETERS.flatMap((p) => assessment.parameters[p] ?? []);
  const notes = [{ text: `Scored with SpO2 scale ${assessment.spo2Scale}.` }];
  if (assessment.incomplete) {
    notes.push({
      text: `Partial score, a lower bound: no usable ${assessment.missing.join(', ')}.`,
    });
  }
  return {
    resourceType: 'Observation',
    id: ctx.id,
    status: assessment.incomplete ? 'preliminary' : 'final',
    category: [SURVEY_CATEGORY],
    code: NEWS2_TOTAL,
    subject: { reference: ctx.subject },
    effectiveDateTime: ctx.effectiveDateTime,
    valueQuantity: { value: assessment.score, system: UCUM, ...SCORE },
    derivedFrom: sources.map((s) => ({ reference: `Observation/${ctx.observationId(s.reading)}` })),
    note: notes,
  };
}
