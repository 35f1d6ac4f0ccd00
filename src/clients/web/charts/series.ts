import type { SealedVersion } from '../../../protocol/envelope.js';
import type { Acvpu } from '../../../protocol/reading.js';
import type { ChartedKey } from './bands.js';

/**
 * The vital signs of one decrypted version, as points to chart. Each sign
 * is one of:
 *   - a number: charted;
 *   - `null`: measured, but no valid value (a device artefact, an
 *     implausible reading: dataAbsentReason `error`): a gap in the line,
 *     never a zero;
 *   - `'withheld'`: masked at the reader's level (data-absent-reason
 *     `masked`, src/app-server/privacy/fhir.ts): not charted;
 *   - absent: not in this version.
 * Observations are recognised by their LOINC codes (the R4 vital-signs
 * profiles, as the application server codes them in
 * src/app-server/clinical/fhir-codes.ts); one whose code is masked says
 * nothing about which sign it was and is skipped.
 */
export type SignValue = number | null | 'withheld';
export type ConsciousnessValue = Acvpu | null | 'withheld';

export interface VitalPoint {
  /** When the reading was taken (the version's time), ms since the epoch. */
  t: number;
  /** The reading the version was made from (gateway:sequence): one point per reading. */
  src: string;
  signs: Partial<Record<ChartedKey, SignValue>>;
  consciousness?: ConsciousnessValue;
}

const LOINC = 'http://loinc.org';
const SIGN_OF_CODE: Record<string, ChartedKey | 'bloodPressure' | 'consciousness'> = {
  '9279-1': 'respiratoryRate',
  '2708-6': 'spo2',
  '59408-5': 'spo2',
  '85354-9': 'bloodPressure',
  '8867-4': 'pulse',
  '8310-5': 'temperature',
  '67775-7': 'consciousness',
};
const SYSTOLIC = '8480-6';
/** ACVPU answers by SNOMED CT code (HL7 UK CareConnect-ACVPU-1), as fhir-codes.ts sends them. */
const ACVPU_OF_CODE: Record<string, Acvpu> = {
  '248234008': 'A',
  '130987000': 'C',
  '300202002': 'V',
  '450847001': 'P',
  '422768004': 'U',
};
const DAR_URL = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

/** The redaction engine's marker: an extension, or a dataAbsentReason coded `masked`. */
function masked(x: unknown): boolean {
  if (!isObj(x)) return false;
  return (
    list(x.extension).some((e) => isObj(e) && e.url === DAR_URL && e.valueCode === 'masked') ||
    list(x.coding).some((c) => isObj(c) && c.code === 'masked')
  );
}

function loincCodes(concept: unknown): string[] {
  if (!isObj(concept)) return [];
  return list(concept.coding)
    .filter((c): c is Obj => isObj(c) && c.system === LOINC && typeof c.code === 'string')
    .map((c) => c.code as string);
}

function signOf(o: Obj) {
  for (const code of loincCodes(o.code)) {
    const sign = SIGN_OF_CODE[code];
    if (sign) return sign;
  }
  return undefined;
}

/** The value of an Observation or component with a valueQuantity. */
function quantityOf(o: Obj): SignValue {
  if (
    masked(o) ||
    masked(o._valueQuantity) ||
    masked(o.valueQuantity) ||
    masked(o.dataAbsentReason)
  )
    return 'withheld';
  const q = o.valueQuantity;
  if (isObj(q) && typeof q.value === 'number' && Number.isFinite(q.value)) return q.value;
  return null;
}

function systolicOf(o: Obj): SignValue {
  if (masked(o.dataAbsentReason)) return 'withheld';
  const parts = list(o.component).filter(isObj);
  // Components masked whole: one marker, without its code (redact.ts).
  if (parts.some((p) => masked(p))) return 'withheld';
  const systolic = parts.find((p) => loincCodes(p.code).includes(SYSTOLIC));
  return systolic ? quantityOf(systolic) : null;
}

function consciousnessOf(o: Obj): ConsciousnessValue {
  if (masked(o.dataAbsentReason) || masked(o.valueCodeableConcept)) return 'withheld';
  const v = o.valueCodeableConcept;
  if (!isObj(v)) return null;
  for (const c of list(v.coding)) {
    const answer = isObj(c) && typeof c.code === 'string' ? ACVPU_OF_CODE[c.code] : undefined;
    if (answer) return answer;
  }
  return null;
}

export function vitalPoint(sealed: SealedVersion, content: unknown): VitalPoint {
  const point: VitalPoint = { t: Date.parse(sealed.at), src: sealed.src, signs: {} };
  const entries = isObj(content) ? list(content.entry) : [];
  for (const e of entries) {
    const r = isObj(e) && isObj(e.resource) ? e.resource : undefined;
    if (!r || r.resourceType !== 'Observation') continue;
    const sign = signOf(r);
    if (sign === 'consciousness') point.consciousness = consciousnessOf(r);
    else if (sign === 'bloodPressure') point.signs.systolicBP = systolicOf(r);
    else if (sign) point.signs[sign] = quantityOf(r);
  }
  return point;
}
