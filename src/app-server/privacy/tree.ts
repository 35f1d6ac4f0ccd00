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
 * Whether `value`, at element path `names` of a resource of type
 * `resourceType`, is a resource of its own. Only Bundle.entry.resource is
 * (R4 bundle.html): each entry carries its own security labels. Contained
 * resources are part of their container (R4 references.html#contained) and labelled with it.
 */
export function isEntryResource(
  resourceType: string,
  names: readonly string[],
  value: Json,
): value is JsonObject {
  return (
    resourceType === 'Bundle' &&
    names.length === 2 &&
    names[0] === 'entry' &&
    names[1] === 'resource' &&
    isObject(value) &&
    typeof value.resourceType === 'string'
  );
}
