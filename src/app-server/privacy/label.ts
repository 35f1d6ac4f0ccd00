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
import { rank, type Confidentiality } from '../../protocol/levels.js';
import { LOINC_SYSTEM, type FhirBundle, type Json, type JsonObject } from './fhir.js';
import type { Rule, RuleMatch, RuleSet } from './rules.js';
import { childPath, elementName, isChoiceOf, isEntryResource, isObject, itemPath } from './tree.js';

export interface LabelledRecord {
  /** A copy of the labelled bundle: later changes to the caller's bundle cannot desync the labels. */
  readonly bundle: FhirBundle;
  /** The label of every JSON node, keyed by path (`entry[2].resource.valueQuantity`; '' is the bundle). */
  readonly labels: ReadonlyMap<string, Confidentiality>;
  /** The highest label in the record. */
  readonly label: Confidentiality;
  /** The version of the rule set that labelled it. */
  readonly ruleSet: string;
}

export function label(bundle: FhirBundle, ruleSet: RuleSet): LabelledRecord {
  const copy = structuredClone(bundle);
  const labels = new Map<string, Confidentiality>();
  labelResource(copy as unknown as JsonObject, '', 'U', { ruleSet, labels });
  let highest: Confidentiality = 'U';
  for (const l of labels.values()) highest = max(highest, l);
  return { bundle: copy, labels, label: highest, ruleSet: ruleSet.version };
}

interface Labelling {
  readonly ruleSet: RuleSet;
  readonly labels: Map<string, Confidentiality>;
}

/** One resource: its element rules, and the label of each element path seen (a cache). */
interface ResourceScope extends Labelling {
  readonly resourceType: string;
  readonly elementRules: readonly Rule[];
  readonly byElementPath: Map<string, Confidentiality>;
}

/**
 * The element labels found so far for one rule set and one set of matching
 * element rules, shared by every record it labels: an element's label
 * depends on nothing else (rule sets are frozen by loadRuleSet). Resources
 * alike (the same LOINC code, category and type) match the same rules, so a
 * ward's ticks mostly hit this cache.
 */
const MAX_CACHED_PATHS = 10_000;
const elementCaches = new WeakMap<RuleSet, Map<string, Map<string, Confidentiality>>>();

function elementCache(ruleSet: RuleSet, elementRules: readonly Rule[]) {
  let byRules = elementCaches.get(ruleSet);
  if (!byRules) elementCaches.set(ruleSet, (byRules = new Map()));
  const key = elementRules.map((r) => ruleSet.rules.indexOf(r)).join(',');
  let cache = byRules.get(key);
  // Bounded: records with ever new element names (not Tutela's own) start it afresh.
  if (!cache || cache.size > MAX_CACHED_PATHS) byRules.set(key, (cache = new Map()));
  return cache;
}

function labelResource(
  resource: JsonObject,
  path: string,
  floor: Confidentiality,
  labelling: Labelling,
): void {
  const matching = labelling.ruleSet.rules.filter((r) => matches(r.match, resource));
  const ownRule = best(matching.filter((r) => r.elements === undefined).map((r) => [r, 0]));
  const own = max(floor, ownRule ?? labelling.ruleSet.default);
  labelling.labels.set(path, own);
  const elementRules = matching.filter((r) => r.elements !== undefined);
  const scope: ResourceScope = {
    ...labelling,
    resourceType: String(resource.resourceType),
    elementRules,
    byElementPath: elementCache(labelling.ruleSet, elementRules),
  };
  for (const [key, value] of Object.entries(resource)) {
    const name = elementName(key);
    if (name === 'resourceType' || name === 'id')
      labelAlike(value, childPath(path, key), own, scope);
    else labelElement(value, childPath(path, key), [name], own, scope);
  }
}

function labelElement(
  value: Json,
  path: string,
  names: readonly string[],
  parent: Confidentiality,
  scope: ResourceScope,
): void {
  if (isEntryResource(scope.resourceType, names, value)) {
    labelResource(value, path, parent, scope);
    return;
  }
  const own = max(parent, elementLabel(scope, names));
  scope.labels.set(path, own);
  if (Array.isArray(value)) {
    // The items of a repeating element are that element (R4 json.html: arrays).
    value.forEach((item, i) => labelElement(item, itemPath(path, i), names, own, scope));
  } else if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      labelElement(child, childPath(path, key), [...names, elementName(key)], own, scope);
    }
  }
}

/** Labels a whole subtree alike: the `id` and `resourceType` of a resource (and `_id`). */
function labelAlike(value: Json, path: string, l: Confidentiality, labelling: Labelling): void {
  labelling.labels.set(path, l);
  if (Array.isArray(value)) {
    value.forEach((v, i) => labelAlike(v, itemPath(path, i), l, labelling));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) labelAlike(v, childPath(path, k), l, labelling);
  }
}

function elementLabel(scope: ResourceScope, names: readonly string[]): Confidentiality {
  const key = names.join('.');
  let found = scope.byElementPath.get(key);
  if (found === undefined) {
    const candidates: [Rule, number][] = [];
    for (const rule of scope.elementRules) {
      for (const segments of rule.elements ?? []) {
        if (covers(segments, names)) candidates.push([rule, segments.length]);
      }
    }
    found = best(candidates) ?? scope.ruleSet.default;
    scope.byElementPath.set(key, found);
  }
  return found;
}

/** Whether a rule's element path names this element or one of its ancestors. */
function covers(segments: readonly string[], names: readonly string[]): boolean {
  if (segments.length > names.length) return false;
  return segments.every((segment, i) => segmentMatches(segment, names[i] as string));
}

/** `value[x]` names the choice element: valueQuantity, valueString… (R4 formats.html#choice). */
function segmentMatches(segment: string, name: string): boolean {
  return segment.endsWith('[x]') ? isChoiceOf(segment.slice(0, -3), name) : segment === name;
}

/** The label of the most specific candidate; [rule, element path length]. */
function best(candidates: readonly (readonly [Rule, number])[]): Confidentiality | undefined {
  let top: { score: number; label: Confidentiality } | undefined;
  for (const [rule, depth] of candidates) {
    const score = depth * 8 + criteriaWeight(rule.match);
    if (
      top === undefined ||
      score > top.score ||
      (score === top.score && rank(rule.label) > rank(top.label))
    ) {
      top = { score, label: rule.label };
    }
  }
  return top?.label;
}

/** LOINC code > category > resourceType, compared in that order. */
function criteriaWeight(match: RuleMatch): number {
  return (match.loinc ? 4 : 0) + (match.category ? 2 : 0) + (match.resourceType ? 1 : 0);
}

function matches(match: RuleMatch, resource: JsonObject): boolean {
  return (
    (match.resourceType === undefined || resource.resourceType === match.resourceType) &&
    (match.loinc === undefined || hasLoinc(resource, match.loinc)) &&
    (match.category === undefined || hasCategory(resource, match.category))
  );
}

function hasLoinc(resource: JsonObject, code: string): boolean {
  return codings(resource.code).some((c) => c.system === LOINC_SYSTEM && c.code === code);
}

/** Observation.category is a list, some resources have one category: accept both. */
function hasCategory(resource: JsonObject, code: string): boolean {
  const concepts = Array.isArray(resource.category) ? resource.category : [resource.category];
  return concepts.some((concept) => codings(concept).some((c) => c.code === code));
}

/** The codings of a CodeableConcept, tolerating anything else. */
function codings(concept: Json | undefined): JsonObject[] {
  if (!isObject(concept) || !Array.isArray(concept.coding)) return [];
  return concept.coding.filter(isObject);
}

function max(a: Confidentiality, b: Confidentiality): Confidentiality {
  return rank(a) >= rank(b) ? a : b;
}
