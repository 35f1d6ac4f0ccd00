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
 * object with it, nor with another version.
 *
 * Decisions come from the record's label tree (./label-tree.ts): ranks and
 * "shown from level" per property, read in step with the labelled copy, so a
 * version costs one walk with no path built or looked up, and a subtree with
 * nothing above k is copied as it is.
 */
import {
  CONFIDENTIALITY,
  CONFIDENTIALITY_SYSTEM,
  rank,
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
import { treeOf, type LabelNode } from './label-tree.js';
import {
  OBSERVATION_COMPONENT,
  RESOURCE,
  childPosition,
  elementName,
  isChoiceOf,
  isEntryResource,
  isObject,
  mayHoldResource,
  put,
  type Position,
} from './tree.js';

/** The version of `labelled` for redaction level `rl`. */
export function redact(labelled: LabelledRecord, rl: Confidentiality): FhirBundle {
  return version(labelled.bundle, treeOf(labelled.bundle, labelled.labels), rl);
}

/** All six versions, U to V, from one reading of the labels. */
export function versions(labelled: LabelledRecord): Record<Confidentiality, FhirBundle> {
  const tree = treeOf(labelled.bundle, labelled.labels);
  const all = {} as Record<Confidentiality, FhirBundle>;
  for (const rl of CONFIDENTIALITY) all[rl] = version(labelled.bundle, tree, rl);
  return all;
}

function version(bundle: FhirBundle, tree: LabelNode, rl: Confidentiality): FhirBundle {
  const walk: Walk = { rl, k: rank(rl) };
  return redactResource(bundle as unknown as JsonObject, tree, walk).out as unknown as FhirBundle;
}

interface Walk {
  readonly rl: Confidentiality;
  /** rank(rl): an element is shown when its label's rank is at most k. */
  readonly k: number;
}

interface Redacted<T extends Json = Json> {
  readonly out: T;
  /** Whether anything at or below this node was masked. */
  readonly withheld: boolean;
}

/** Where an object sits: in which resource, and where in it. */
interface Place {
  readonly resourceType: string;
  readonly at: Position;
}

function redactResource(resource: JsonObject, node: LabelNode, walk: Walk): Redacted<JsonObject> {
  const resourceType = String(resource.resourceType);
  if (node.rank > walk.k) return { out: stub(resource, resourceType, walk.rl), withheld: true };
  const { out, withheld } = redactObject(resource, node, { resourceType, at: RESOURCE }, walk);
  // meta right after the identity, where readers look for labels.
  const ordered: JsonObject = { resourceType };
  if (Object.hasOwn(out, 'id')) ordered.id = out.id as Json;
  ordered.meta = withSecurity(out.meta, walk.rl, withheld);
  for (const key of Object.keys(out)) {
    if (key !== 'resourceType' && key !== 'id' && key !== 'meta') put(ordered, key, out[key]);
  }
  return { out: ordered, withheld };
}

function redactObject(
  object: JsonObject,
  node: LabelNode,
  place: Place,
  walk: Walk,
): Redacted<JsonObject> {
  const keys = node.keys as readonly string[];
  const kids = node.kids as readonly LabelNode[];
  const shownFrom = node.shownFrom as readonly number[];
  // Observation and Observation.component: value[x] | dataAbsentReason (obs-6).
  const hasValueSlot =
    place.at === OBSERVATION_COMPONENT ||
    (place.at === RESOURCE && place.resourceType === 'Observation');
  const out: JsonObject = {};
  let withheld = false;
  let valueMasked = false;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const value = object[key] as Json;
    const at = childPosition(place.resourceType, place.at, elementName(key));
    if (isEntryResource(at, value)) {
      const r = redactResource(value, kids[i] as LabelNode, walk);
      put(out, key, r.out);
      withheld ||= r.withheld;
    } else if ((shownFrom[i] as number) <= walk.k) {
      const inner = at === place.at ? place : { resourceType: place.resourceType, at };
      const r = redactValue(value, kids[i] as LabelNode, inner, walk);
      put(out, key, r.out);
      withheld ||= r.withheld;
    } else {
      withheld = true;
      if (hasValueSlot && isValueSlot(key)) valueMasked = true;
      else mask(out, object, node, i, walk);
    }
  }
  if (valueMasked) put(out, 'dataAbsentReason', maskedReason());
  return { out, withheld };
}

function redactValue(value: Json, node: LabelNode, place: Place, walk: Walk): Redacted {
  // Nothing in it is above k, and no resource that needs its labels: a plain copy.
  if (node.top <= walk.k && !mayHoldResource(place.at))
    return { out: copy(value), withheld: false };
  if (Array.isArray(value)) {
    const kids = node.kids as readonly LabelNode[];
    let withheld = false;
    const out = value.map((item, i) => {
      const r = redactValue(item, kids[i] as LabelNode, place, walk);
      withheld ||= r.withheld;
      return r.out;
    });
    return { out, withheld };
  }
  if (isObject(value)) return redactObject(value, node, place, walk);
  return { out: value, withheld: false };
}

/** A deep copy of a JSON value ("__proto__" kept as data). */
function copy(value: Json): Json {
  if (Array.isArray(value)) return value.map(copy);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) put(out, key, copy(value[key] as Json));
  return out;
}

/** Writes the visible mask of property `i` of `object`, withheld at this level. */
function mask(out: JsonObject, object: JsonObject, node: LabelNode, i: number, walk: Walk): void {
  const keys = node.keys as readonly string[];
  const key = keys[i] as string;
  const value = object[key] as Json;
  const marker = (): Json => (Array.isArray(value) ? [maskedElement()] : maskedElement());
  if (key === 'extension' || key === 'modifierExtension') {
    put(out, key, [maskedExtension()]);
  } else if (key.startsWith('_')) {
    // A masked primitive `x` writes `_x` itself (below).
    const base = keys.indexOf(key.slice(1));
    const baseMasked = base >= 0 && (node.shownFrom?.[base] as number) > walk.k;
    if (!(baseMasked && primitiveLike(object[keys[base] as string] as Json)))
      put(out, key, marker());
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
  // A version's meta is its own (made by this walk), so it is labelled in place.
  const out: JsonObject = isObject(meta) ? meta : {};
  const security: Json[] = [];
  if (Array.isArray(out.security)) {
    for (const c of out.security) {
      if (
        isObject(c) &&
        typeof c.system === 'string' &&
        c.system !== CONFIDENTIALITY_SYSTEM &&
        !(c.system === OBSERVATION_VALUE_SYSTEM && c.code === 'REDACTED')
      )
        security.push(c);
    }
  }
  security.push(confidentialityCoding(rl));
  if (withheld) security.push(redactedCoding());
  out.security = security;
  return out;
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
