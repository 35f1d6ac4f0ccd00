/**
 * Applies a rule set to a record (DESIGN.md step 5): every element of the
 * bundle gets an HL7 v3 Confidentiality code (DS4P), and the record gets the
 * highest of them (DS4P: a composite is as confidential as its most
 * confidential part).
 *
 * How a label is chosen (docs/labels.md, "Conflicts"):
 * 1. A resource (the bundle, each Bundle.entry.resource) takes the best
 *    matching rule without `elements`; an element takes the best matching
 *    rule whose element path names it or one of its ancestors.
 * 2. Best = most specific: a longer element path first, then the match
 *    criteria, LOINC code > category > resourceType (compared in that order);
 *    a tie goes to the higher label.
 * 3. Nothing matches: the rule set's default (deny by default).
 * 4. Floor: nothing is labelled lower than what encloses it (its parent
 *    element, its resource, the entry holding the resource), since an element
 *    cannot be shown inside a container that is withheld.
 * `resourceType` and `id` always carry their resource's label: they form the
 * stub that is shown in its place when it is withheld.
 */
import { CONFIDENTIALITY, type Confidentiality } from '../../protocol/levels.js';
import type { FhirBundle, Json, JsonObject } from './fhir.js';
import { decisionsFor, type ElementDecisions } from './label-rules.js';
import { LabelMap, arrayNode, leafNode, objectNode, type LabelNode } from './label-tree.js';
import type { RuleSet } from './rules.js';
import {
  RESOURCE,
  childPosition,
  elementName,
  isEntryResource,
  isObject,
  put,
  type Position,
} from './tree.js';

export interface LabelledRecord {
  /**
   * A frozen copy of the labelled bundle: later changes to the caller's
   * bundle cannot desync the labels, and the copy cannot be changed.
   */
  readonly bundle: FhirBundle;
  /** The label of every JSON node, keyed by path (`entry[2].resource.valueQuantity`; '' is the bundle). */
  readonly labels: ReadonlyMap<string, Confidentiality>;
  /** The highest label in the record. */
  readonly label: Confidentiality;
  /** The version of the rule set that labelled it. */
  readonly ruleSet: string;
}

/**
 * One walk over the bundle makes the copy and its label tree together
 * (./label-tree.ts); the rules are looked up per element name in decisions
 * cached per rule set and set of matching rules (./label-rules.ts).
 */
export function label(bundle: FhirBundle, ruleSet: RuleSet): LabelledRecord {
  const holder: JsonObject = {};
  const tree = labelResource(bundle as unknown as JsonObject, 0, ruleSet, holder, 'bundle');
  const copy = holder.bundle as unknown as FhirBundle;
  return {
    bundle: copy,
    labels: new LabelMap(copy, tree),
    label: CONFIDENTIALITY[tree.top] as Confidentiality,
    ruleSet: ruleSet.version,
  };
}

/** Labels a resource, floored at `floor`, and writes its copy to `holder[key]`. */
function labelResource(
  resource: JsonObject,
  floor: number,
  ruleSet: RuleSet,
  holder: JsonObject,
  key: string,
): LabelNode {
  const decisions = decisionsFor(ruleSet, resource);
  const own = Math.max(floor, decisions.own);
  const resourceType = String(resource.resourceType);
  const copy: JsonObject = {};
  put(holder, key, copy);
  const keys = Object.keys(resource);
  const kids: LabelNode[] = [];
  for (const k of keys) {
    const name = elementName(k);
    const value = resource[k] as Json;
    if (name === 'resourceType' || name === 'id') kids.push(labelAlike(value, own, copy, k));
    else {
      const at = childPosition(resourceType, RESOURCE, name);
      const element = decisions.elements.child(name);
      kids.push(labelElement(value, element, own, { ruleSet, resourceType, at }, copy, k));
    }
  }
  Object.freeze(copy);
  return objectNode(own, keys, kids);
}

/** Where an element is: its rule set, its resource's type, its position in it. */
interface Place {
  readonly ruleSet: RuleSet;
  readonly resourceType: string;
  readonly at: Position;
}

function labelElement(
  value: Json,
  element: ElementDecisions,
  parent: number,
  place: Place,
  holder: JsonObject | Json[],
  key: string,
): LabelNode {
  if (isEntryResource(place.at, value)) {
    return labelResource(value, parent, place.ruleSet, holder as JsonObject, key);
  }
  const own = Math.max(parent, element.rank);
  if (Array.isArray(value)) {
    // The items of a repeating element are that element (R4 json.html: arrays).
    const copy: Json[] = [];
    put(holder as JsonObject, key, copy);
    const kids: LabelNode[] = [];
    for (let i = 0; i < value.length; i++)
      kids.push(labelElement(value[i] as Json, element, own, place, copy, String(i)));
    Object.freeze(copy);
    return arrayNode(own, kids);
  }
  if (!isObject(value)) {
    put(holder as JsonObject, key, value);
    return leafNode(own);
  }
  const copy: JsonObject = {};
  put(holder as JsonObject, key, copy);
  const keys = Object.keys(value);
  const kids: LabelNode[] = [];
  for (const k of keys) {
    const name = elementName(k);
    const at = childPosition(place.resourceType, place.at, name);
    const inner = at === place.at ? place : { ...place, at };
    kids.push(labelElement(value[k] as Json, element.child(name), own, inner, copy, k));
  }
  Object.freeze(copy);
  return objectNode(own, keys, kids);
}

/** Labels a whole subtree alike: the `id` and `resourceType` of a resource (and `_id`). */
function labelAlike(value: Json, l: number, holder: JsonObject | Json[], key: string): LabelNode {
  if (Array.isArray(value)) {
    const copy: Json[] = [];
    put(holder as JsonObject, key, copy);
    const kids: LabelNode[] = [];
    for (let i = 0; i < value.length; i++)
      kids.push(labelAlike(value[i] as Json, l, copy, String(i)));
    Object.freeze(copy);
    return arrayNode(l, kids);
  }
  if (!isObject(value)) {
    put(holder as JsonObject, key, value);
    return leafNode(l);
  }
  const copy: JsonObject = {};
  put(holder as JsonObject, key, copy);
  const keys = Object.keys(value);
  const kids = keys.map((k) => labelAlike(value[k] as Json, l, copy, k));
  Object.freeze(copy);
  return objectNode(l, keys, kids);
}
