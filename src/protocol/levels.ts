/**
 * The two scales every piece of clinical data carries in Tutela (DESIGN.md,
 * "One measurement, end to end").
 *
 * - Redaction level (RL) / authorization level (AL): HL7 v3 Confidentiality
 *   codes, the DS4P scale, ordered U < L < M < N < R < V
 *   (http://terminology.hl7.org/CodeSystem/v3-Confidentiality). An element
 *   labelled k is visible in version k and every version above it; a user
 *   whose AL is k reads version k.
 * - Criticality level (CL) of an event, from NEWS2 (RCP 2017): low,
 *   low-medium (a single parameter scoring 3), medium (5–6), high (7+).
 */
export const CONFIDENTIALITY = ['U', 'L', 'M', 'N', 'R', 'V'] as const;
export type Confidentiality = (typeof CONFIDENTIALITY)[number];

/** The HL7 code system of the confidentiality codes (meta.security, DS4P). */
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/** Display names of the confidentiality codes, as HL7 gives them. */
export const CONFIDENTIALITY_DISPLAY: Record<Confidentiality, string> = {
  U: 'unrestricted',
  L: 'low',
  M: 'moderate',
  N: 'normal',
  R: 'restricted',
  V: 'very restricted',
};

/** Position of a code on the scale: U = 0 … V = 5. */
export function rank(c: Confidentiality): number {
  return CONFIDENTIALITY.indexOf(c);
}

export function isConfidentiality(x: unknown): x is Confidentiality {
  return typeof x === 'string' && (CONFIDENTIALITY as readonly string[]).includes(x);
}

/** Whether an element labelled `label` may appear in the version of level `rl`. */
export function visibleAt(label: Confidentiality, rl: Confidentiality): boolean {
  return rank(label) <= rank(rl);
}

export const CRITICALITY = ['low', 'low-medium', 'medium', 'high'] as const;
export type Criticality = (typeof CRITICALITY)[number];

export function criticalityRank(c: Criticality): number {
  return CRITICALITY.indexOf(c);
}
