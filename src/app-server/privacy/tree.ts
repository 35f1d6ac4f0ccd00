/**
 * How the labeller and the redactor name and walk the elements of a record.
 * Both must agree exactly: a label is looked up by the path the redactor
 * builds, so every path is made here.
 */
import { CHOICE_TYPES, type Json, type JsonObject } from './fhir.js';

/**
 * The path of a property: `entry[2].resource.valueQuantity`. The bundle
 * itself is the empty path. FHIR element names hold no dots or brackets.
 */
export function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

export function itemPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/**
 * The element a JSON property belongs to. R4 json.html (primitive elements): `_x` carries
 * the id and extensions of primitive `x`; the two properties are one element
 * and are labelled and masked together.
 */
export function elementName(key: string): string {
  return key.startsWith('_') ? key.slice(1) : key;
}

/** Whether element `name` is the choice element `base[x]` (valueQuantity is value[x]). */
export function isChoiceOf(base: string, name: string): boolean {
  return name.startsWith(base) && CHOICE_TYPES.has(name.slice(base.length));
}

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Where an element sits in its resource, as far as the labeller and the
 * redactor care: the resource itself, Bundle.entry, Bundle.entry.resource
 * (a resource of its own), Observation.component (which holds a value[x]
 * slot), or anywhere else. The items of a repeating element sit where it
 * does (R4 json.html: arrays).
 */
export type Position = 0 | 1 | 2 | 3 | 4;
export const RESOURCE: Position = 0;
const BUNDLE_ENTRY: Position = 1;
const ENTRY_RESOURCE: Position = 2;
export const OBSERVATION_COMPONENT: Position = 3;
const ELSEWHERE: Position = 4;

/** The position of element `name` inside an element at `position` of a `resourceType`. */
export function childPosition(resourceType: string, position: Position, name: string): Position {
  if (position === RESOURCE) {
    if (name === 'entry' && resourceType === 'Bundle') return BUNDLE_ENTRY;
    if (name === 'component' && resourceType === 'Observation') return OBSERVATION_COMPONENT;
  } else if (position === BUNDLE_ENTRY && name === 'resource') {
    return ENTRY_RESOURCE;
  }
  return ELSEWHERE;
}

/**
 * Whether `value`, an element at `position`, is a resource of its own. Only
 * Bundle.entry.resource is (R4 bundle.html): each entry carries its own
 * security labels. Contained resources are part of their container (R4
 * references.html#contained) and labelled with it.
 */
export function isEntryResource(position: Position, value: Json): value is JsonObject {
  return position === ENTRY_RESOURCE && isObject(value) && typeof value.resourceType === 'string';
}

/** Whether an element at `position` may hold a resource (the redactor's shortcut). */
export function mayHoldResource(position: Position): boolean {
  return position === BUNDLE_ENTRY || position === ENTRY_RESOURCE;
}

/**
 * Writes a property; a "__proto__" key from JSON.parse stays data, never a
 * prototype. Only that key needs defineProperty (plain assignment is ~20 %
 * faster on the six versions of a tick, docs/benchmarks.md).
 */
export function put(target: JsonObject, key: string, value: Json | undefined): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value as Json;
  }
}
