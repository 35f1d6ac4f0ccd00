/**
 * The slice of FHIR R4 JSON the privacy services need, and the codes they
 * write. The labeller and the redactor walk resources as plain JSON trees, so
 * they only name the few fields they read; any FHIR R4 Bundle type (such as
 * the mapping's, ../clinical/fhir-r4.ts) is assignable to `FhirBundle`.
 */
import { CONFIDENTIALITY_DISPLAY, CONFIDENTIALITY_SYSTEM } from '../../protocol/levels.js';
import type { Confidentiality } from '../../protocol/levels.js';

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

/** Resource.meta; `security` holds the DS4P labels of a version. */
export interface Meta {
  versionId?: string;
  lastUpdated?: string;
  profile?: string[];
  security?: Coding[];
  tag?: Coding[];
}

export interface FhirResource {
  resourceType: string;
  id?: string;
  meta?: Meta;
}

export interface FhirBundleEntry {
  fullUrl?: string;
  resource?: FhirResource;
}

export interface FhirBundle extends FhirResource {
  resourceType: 'Bundle';
  type: string;
  timestamp?: string;
  entry?: FhirBundleEntry[];
}

/** A JSON value: what a resource is once its TypeScript type is set aside. */
export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export const LOINC_SYSTEM = 'http://loinc.org';

/** FHIR R4 extension "data-absent-reason": why an element has no value. */
export const DATA_ABSENT_REASON_URL = 'http://hl7.org/fhir/StructureDefinition/data-absent-reason';
export const DATA_ABSENT_REASON_SYSTEM = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';

/** The extension that marks a masked element (R4 data-absent-reason, code `masked`). */
export function maskedExtension(): JsonObject {
  return { url: DATA_ABSENT_REASON_URL, valueCode: 'masked' };
}

/** A masked complex element, or the `_x` of a masked primitive (R4 json.html, primitive elements). */
export function maskedElement(): JsonObject {
  return { extension: [maskedExtension()] };
}

/** Observation.dataAbsentReason of a masked value (R4 Observation, invariant obs-6). */
export function maskedReason(): JsonObject {
  return { coding: [{ system: DATA_ABSENT_REASON_SYSTEM, code: 'masked', display: 'Masked' }] };
}

/** HL7 v3 ObservationValue: the security label saying that a version was redacted (DS4P). */
export const OBSERVATION_VALUE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';

export function redactedCoding(): JsonObject {
  return { system: OBSERVATION_VALUE_SYSTEM, code: 'REDACTED', display: 'redacted' };
}

export function confidentialityCoding(rl: Confidentiality): JsonObject {
  return { system: CONFIDENTIALITY_SYSTEM, code: rl, display: CONFIDENTIALITY_DISPLAY[rl] };
}

/** Resources that are not DomainResources (R4 resource.html) and so carry no `extension`. */
export const NON_DOMAIN_RESOURCES: ReadonlySet<string> = new Set([
  'Bundle',
  'Binary',
  'Parameters',
]);

/**
 * The types a choice element `name[x]` can take, as the suffix of its JSON
 * name (valueQuantity, effectiveDateTime): R4 datatypes.html#open (open types).
 */
export const CHOICE_TYPES: ReadonlySet<string> = new Set([
  ...['Base64Binary', 'Boolean', 'Canonical', 'Code', 'Date', 'DateTime', 'Decimal', 'Id'],
  ...['Instant', 'Integer', 'Markdown', 'Oid', 'PositiveInt', 'String', 'Time', 'UnsignedInt'],
  ...['Uri', 'Url', 'Uuid', 'Address', 'Age', 'Annotation', 'Attachment', 'CodeableConcept'],
  ...['Coding', 'ContactPoint', 'Count', 'Distance', 'Duration', 'HumanName', 'Identifier'],
  ...['Money', 'Period', 'Quantity', 'Range', 'Ratio', 'Reference', 'SampledData', 'Signature'],
  ...['Timing', 'ContactDetail', 'Contributor', 'DataRequirement', 'Expression'],
  ...['ParameterDefinition', 'RelatedArtifact', 'TriggerDefinition', 'UsageContext', 'Dosage'],
  'Meta',
]);
