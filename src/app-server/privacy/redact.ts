/**
 * The redaction engine (DESIGN.md step 7): version k of a labelled record
 * keeps every element labelled ≤ k exactly as it was and masks the rest,
 * visibly and the FHIR way, so that a reader sees THAT something was
 * withheld, never WHAT:
 *
 * - a resource above k → a stub: resourceType, id, the data-absent-reason
 *   extension (DomainResources only) and the security labels;
 * - Observation (and Observation.component) value[x] or dataAbsentReason
 *   above k → `dataAbsentReason` = masked (R4 Observation, obs-6). Both
 *   become the same, so a withheld value and a device that sent none
 *   (e.g. "error") look alike;
 * - a primitive above k → its `_x` form carrying only the data-absent-reason
 *   extension (R4 json.html, primitive elements);
 * - `extension` / `modifierExtension` above k → the data-absent-reason
 *   extension itself (a masked modifier must still stop readers that do not
 *   understand it);
 * - any other complex element above k → an element carrying only the
 *   data-absent-reason extension.
 * A masked repeating element becomes ONE masked item, whatever its count; an
 * array is shown only if all of its items are.
 *
 * Every resource carries meta.security: the version's confidentiality code
 * and, when anything in it was withheld, REDACTED (HL7 DS4P, v3
 * ObservationValue). The input is never modified and the output shares no
 * object with it.
 */
import { Rsc, TutelaError } from '../../core/errors.js';
import {
  CONFIDENTIALITY,
  CONFIDENTIALITY_SYSTEM,
  visibleAt,
  type Confidentiality,
} from '../../protocol/levels.js';
import {
  NON_DOMAIN_RESOURCES,
  OBSERVATION_VALUE_SYSTEM,
  confidentialityCoding,
  maskedElement,
  maskedExtension,
  maskedReason,
  redactedCoding,
  type FhirBundle,
  type Json,
  type JsonObject,
} from './fhir.js';
import type { LabelledRecord } from './label.js';
import { childPath, elementName, isChoiceOf, isEntryResource, isObject, itemPath } from './tree.js';

/** The version of `labelled` for redaction level `rl`. */
export function redact(labelled: LabelledRecord, rl: Confidentiality): FhirBundle {
  const walk: Walk = { labels: labelled.labels, rl };
  const bundle = labelled.bundle as unknown as JsonObject;
  return redactResource(bundle, '', walk).out as unknown as FhirBundle;
}

/** All six versions, U to V. */
export function versions(labelled: LabelledRecord): Record<Confidentiality, FhirBundle> {
  const all = {} as Record<Confidentiality, FhirBundle>;
  for (const rl of CONFIDENTIALITY) all[rl] = redact(labelled, rl);
  return all;
}

interface Walk {
  readonly labels: ReadonlyMap<string, Confidentiality>;
  readonly rl: Confidentiality;
}

interface Redacted<T extends Json = Json> {
  readonly out: T;
  /** Whether anything at or below this node was masked. */
  readonly withheld: boolean;
}

/** Where an object sits: in which resource, and whether it holds an Observation value. */
interface Scope {
  readonly resourceType: string;
  /** Observation and Observation.component: value[x] | dataAbsentReason (obs-6). */
  readonly hasValueSlot: boolean;
}

function redactResource(resource: JsonObject, path: string, walk: Walk): Redacted<JsonObject> {
  const resourceType = String(resource.resourceType);
  if (!shown(walk, path)) return { out: stub(resource, resourceType, walk.rl), withheld: true };
  const scope = { resourceType, hasValueSlot: resourceType === 'Observation' };
  const { out, withheld } = redactObject(resource, path, [], scope, walk);
  // meta right after the identity, where readers look for labels.
  const { resourceType: _type, id: _id, meta, ...rest } = out;
  const ordered: JsonObject = { resourceType };
  if (Object.hasOwn(out, 'id')) ordered.id = out.id as Json;
  ordered.meta = withSecurity(meta, walk.rl, withheld);
  for (const [key, value] of Object.entries(rest)) put(ordered, key, value);
  return { out: ordered, withheld };
}

function redactObject(
  object: JsonObject,
  path: string,
  names: readonly string[],
  scope: Scope,
  walk: Walk,
): Redacted<JsonObject> {
  const out: JsonObject = {};
  let withheld = false;
  let valueMasked = false;
  for (const [key, value] of Object.entries(object)) {
    const p = childPath(path, key);
    const childNames = [...names, elementName(key)];
    if (isEntryResource(scope.resourceType, childNames, value)) {
      const r = redactResource(value, p, walk);
      put(out, key, r.out);
      withheld ||= r.withheld;
    } else if (elementShown(object, key, path, walk)) {
      const r = redactValue(value, p, childNames, scope, walk);
      put(out, key, r.out);
      withheld ||= r.withheld;
    } else {
      withheld = true;
      if (scope.hasValueSlot && isValueSlot(key)) valueMasked = true;
      else mask(out, object, key, path, walk);
    }
  }
  if (valueMasked) put(out, 'dataAbsentReason', maskedReason());
  return { out, withheld };
}

function redactValue(
  value: Json,
  path: string,
  names: readonly string[],
  scope: Scope,
  walk: Walk,
): Redacted {
  if (Array.isArray(value)) {
    let withheld = false;
    const out = value.map((item, i) => {
      const r = redactValue(item, itemPath(path, i), names, scope, walk);
      withheld ||= r.withheld;
      return r.out;
    });
    return { out, withheld };
  }
  if (isObject(value)) {
    const inComponent = scope.resourceType === 'Observation' && names.join('.') === 'component';
    return redactObject(value, path, names, { ...scope, hasValueSlot: inComponent }, walk);
  }
  return { out: value, withheld: false };
}

/**
 * Whether a property is shown. An array is shown only whole: masking some of
 * its items would tell how many there were. `_x` is shown only with `x`.
 */
function elementShown(object: JsonObject, key: string, parent: string, walk: Walk): boolean {
  const path = childPath(parent, key);
  if (!shown(walk, path)) return false;
  const value = object[key];
  if (Array.isArray(value) && value.some((_, i) => !shown(walk, itemPath(path, i)))) return false;
  const base = key.slice(1);
  return (
    !key.startsWith('_') || !Object.hasOwn(object, base) || elementShown(object, base, parent, walk)
  );
}

function mask(out: JsonObject, object: JsonObject, key: string, parent: string, walk: Walk): void {
  const value = object[key] as Json;
  const marker = (): Json => (Array.isArray(value) ? [maskedElement()] : maskedElement());
  if (key === 'extension' || key === 'modifierExtension') {
    put(out, key, [maskedExtension()]);
  } else if (key.startsWith('_')) {
    // A masked primitive `x` writes `_x` itself (below).
    const base = key.slice(1);
    const baseMasked = Object.hasOwn(object, base) && !elementShown(object, base, parent, walk);
    if (!(baseMasked && primitiveLike(object[base] as Json))) put(out, key, marker());
  } else if (primitiveLike(value)) {
    put(out, `_${key}`, marker());
  } else {
    put(out, key, marker());
  }
}

function stub(resource: JsonObject, resourceType: string, rl: Confidentiality): JsonObject {
  const out: JsonObject = { resourceType };
  if (typeof resource.id === 'string') out.id = resource.id;
  out.meta = { security: [confidentialityCoding(rl), redactedCoding()] };
  if (!NON_DOMAIN_RESOURCES.has(resourceType)) out.extension = [maskedExtension()];
  return out;
}

/**
 * meta.security of a version (DS4P): the version's confidentiality code, and
 * REDACTED when anything was withheld. Other shown security labels (purpose
 * of use, handling caveats) stay.
 */
function withSecurity(meta: Json | undefined, rl: Confidentiality, withheld: boolean): JsonObject {
  const out: JsonObject = isObject(meta) ? { ...meta } : {};
  const kept = (Array.isArray(out.security) ? out.security : []).filter(
    (c) =>
      isObject(c) &&
      typeof c.system === 'string' &&
      c.system !== CONFIDENTIALITY_SYSTEM &&
      !(c.system === OBSERVATION_VALUE_SYSTEM && c.code === 'REDACTED'),
  );
  out.security = [...kept, confidentialityCoding(rl), ...(withheld ? [redactedCoding()] : [])];
  return out;
}

function shown(walk: Walk, path: string): boolean {
  const label = walk.labels.get(path);
  if (label === undefined) {
    throw new TutelaError(
      'unlabelled_element',
      Rsc.INTERNAL_SERVER_ERROR,
      `no label for element "${path}": redact only records made by label()`,
    );
  }
  return visibleAt(label, walk.rl);
}

/** value[x] and dataAbsentReason share one slot in an Observation (obs-6). */
function isValueSlot(key: string): boolean {
  return isChoiceOf('value', elementName(key)) || key === 'dataAbsentReason';
}

/** A primitive or a list of primitives: masked through its `_x` form. */
function primitiveLike(value: Json): boolean {
  if (Array.isArray(value)) return value.every((v) => v === null || typeof v !== 'object');
  return !isObject(value);
}

/**
 * Writes a property; a "__proto__" key from JSON.parse stays data, never a
 * prototype. Only that key needs defineProperty (plain assignment is ~20 %
 * faster on the six versions of a tick, docs/benchmarks.md).
 */
function put(target: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}
