/**
 * The FHIR R4 (4.0.1) datatypes and resources this folder emits, typed after
 * http://hl7.org/fhir/R4/ and limited to the elements Tutela fills in.
 * @types/fhir 3.0.2 describes STU3 only (e.g. its Observation.interpretation
 * is a single CodeableConcept, an array in R4), so typing R4 output with it
 * would let R4-invalid shapes through; it is not used.
 */

export interface Coding {
  system: string;
  code: string;
  display?: string;
}

export interface CodeableConcept {
  coding: Coding[];
  text?: string;
}

export interface Reference {
  reference: string;
}

/** A UCUM quantity (R4 §2.24.0.19 Quantity, system http://unitsofmeasure.org). */
export interface Quantity {
  value: number;
  unit: string;
  system: string;
  code: string;
}

export interface Annotation {
  text: string;
}

/** R4 Observation.status (required binding, ObservationStatus). */
export type ObservationStatus =
  | 'registered'
  | 'preliminary'
  | 'final'
  | 'amended'
  | 'corrected'
  | 'cancelled'
  | 'entered-in-error'
  | 'unknown';

export interface ObservationComponent {
  code: CodeableConcept;
  valueQuantity?: Quantity;
  dataAbsentReason?: CodeableConcept;
}

export interface Observation {
  resourceType: 'Observation';
  id: string;
  meta?: { profile: string[] };
  status: ObservationStatus;
  category: CodeableConcept[];
  code: CodeableConcept;
  subject: Reference;
  effectiveDateTime: string;
  device?: Reference;
  valueQuantity?: Quantity;
  valueCodeableConcept?: CodeableConcept;
  dataAbsentReason?: CodeableConcept;
  note?: Annotation[];
  derivedFrom?: Reference[];
  component?: ObservationComponent[];
}

export interface Location {
  resourceType: 'Location';
  id: string;
  status: 'active' | 'suspended' | 'inactive';
  /** `instance`: this very place, not a kind of place. */
  mode: 'instance' | 'kind';
  description?: string;
  /** WGS84 decimal degrees (R4 Location.position). */
  position: { latitude: number; longitude: number };
}

export interface Communication {
  resourceType: 'Communication';
  id: string;
  status: 'completed';
  subject: Reference;
  sender: Reference;
  sent: string;
  payload: { contentString: string }[];
}

export type BundleResource = Observation | Location | Communication;

export interface Bundle {
  resourceType: 'Bundle';
  id: string;
  type: 'collection';
  entry: { resource: BundleResource }[];
}
