/**
 * Which rules label a resource and its elements (docs/labels.md,
 * "Conflicts"; the steps are in ./label.ts), decided once and cached: an
 * element's label depends only on the rule set, the rules its resource
 * matches and the element's names, so alike resources (a ward's ticks)
 * share their decisions, one Map lookup per element name.
 *
 * Caches belong to a rule set object, and only to a frozen one
 * (loadRuleSet freezes everything it returns): a rule set that can still
 * change gets fresh decisions on every call, so no change to rules can ever
 * meet decisions made under the old ones. Each cache is bounded.
 */
import { rank } from '../../protocol/levels.js';
import { LOINC_SYSTEM, type Json, type JsonObject } from './fhir.js';
import type { Rule, RuleMatch, RuleSet } from './rules.js';
import { isChoiceOf, isObject } from './tree.js';

/** Element paths remembered per set of matching rules; past it, that cache starts afresh. */
export const MAX_CACHED_ELEMENTS = 10_000;
/** Sets of matching rules remembered per rule set; past it, the rule set's cache starts afresh. */
export const MAX_CACHED_KINDS = 1_000;

/** What the rules decide for one kind of resource. */
export interface ResourceDecisions {
  /** The rank of the resource's own label, before any floor. */
  readonly own: number;
  /** The decisions for its elements, from the resource's top level down. */
  readonly elements: ElementDecisions;
}

/** The label of one element path (a trie node: each child is one more element name). */
export class ElementDecisions {
  readonly #next = new Map<string, ElementDecisions>();

  constructor(
    private readonly scope: RulesOfResource,
    private readonly names: readonly string[],
    /** The rank of the best rule naming this element or an ancestor (the default if none). */
    readonly rank: number,
  ) {}

  /** How many element paths this resource kind's cache holds. */
  get decided(): number {
    return this.scope.size;
  }

  child(name: string): ElementDecisions {
    let found = this.#next.get(name);
    if (found === undefined) {
      const names = [...this.names, name];
      found = new ElementDecisions(this.scope, names, elementRank(this.scope, names));
      this.#next.set(name, found);
      this.scope.size++;
    }
    return found;
  }
}

interface RulesOfResource {
  readonly ruleSet: RuleSet;
  readonly elementRules: readonly Rule[];
  /** Element paths decided so far. */
  size: number;
}

const caches = new WeakMap<RuleSet, Map<string, ResourceDecisions>>();

export function decisionsFor(ruleSet: RuleSet, resource: JsonObject): ResourceDecisions {
  let key = '';
  const matching: Rule[] = [];
  ruleSet.rules.forEach((rule, i) => {
    if (!matches(rule.match, resource)) return;
    matching.push(rule);
    key += `${i},`;
  });
  const cache = cacheOf(ruleSet);
  let found = cache?.get(key);
  // Bounded: records with ever new element names (not Tutela's own) start it afresh.
  if (found === undefined || found.elements.decided > MAX_CACHED_ELEMENTS) {
    found = decide(ruleSet, matching);
    if (cache && cache.size >= MAX_CACHED_KINDS) cache.clear();
    cache?.set(key, found);
  }
  return found;
}

/** The decisions of a frozen rule set; none for one that could still change. */
function cacheOf(ruleSet: RuleSet): Map<string, ResourceDecisions> | undefined {
  let cache = caches.get(ruleSet);
  if (cache === undefined && frozen(ruleSet)) caches.set(ruleSet, (cache = new Map()));
  return cache;
}

function frozen(ruleSet: RuleSet): boolean {
  return (
    Object.isFrozen(ruleSet) &&
    Object.isFrozen(ruleSet.rules) &&
    ruleSet.rules.every(
      (r) =>
        Object.isFrozen(r) &&
        Object.isFrozen(r.match) &&
        (r.elements === undefined ||
          (Object.isFrozen(r.elements) && r.elements.every((e) => Object.isFrozen(e)))),
    )
  );
}

function decide(ruleSet: RuleSet, matching: readonly Rule[]): ResourceDecisions {
  const ownRule = best(matching.filter((r) => r.elements === undefined).map((r) => [r, 0]));
  const scope: RulesOfResource = {
    ruleSet,
    elementRules: matching.filter((r) => r.elements !== undefined),
    size: 0,
  };
  return {
    own: ownRule ?? rank(ruleSet.default),
    elements: new ElementDecisions(scope, [], rank(ruleSet.default)),
  };
}

/** The rank of the most specific element rule naming `names` or an ancestor; the default if none. */
function elementRank(scope: RulesOfResource, names: readonly string[]): number {
  const candidates: [Rule, number][] = [];
  for (const rule of scope.elementRules) {
    for (const segments of rule.elements ?? []) {
      if (covers(segments, names)) candidates.push([rule, segments.length]);
    }
  }
  return best(candidates) ?? rank(scope.ruleSet.default);
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

/** The rank of the most specific candidate's label; [rule, element path length]. */
function best(candidates: readonly (readonly [Rule, number])[]): number | undefined {
  let top: { score: number; rank: number } | undefined;
  for (const [rule, depth] of candidates) {
    const score = depth * 8 + criteriaWeight(rule.match);
    const r = rank(rule.label);
    if (top === undefined || score > top.score || (score === top.score && r > top.rank)) {
      top = { score, rank: r };
    }
  }
  return top?.rank;
}

/** LOINC code > category > resourceType, compared in that order. */
function criteriaWeight(match: RuleMatch): number {
  return (match.loinc ? 4 : 0) + (match.category ? 2 : 0) + (match.resourceType ? 1 : 0);
}

function matches(match: RuleMatch, resource: JsonObject): boolean {
  return (
    (match.resourceType === undefined || resource.resourceType === match.resourceType) &&
    (match.loinc === undefined || hasCoding(resource.code, match.loinc, LOINC_SYSTEM)) &&
    (match.category === undefined || hasCategory(resource, match.category))
  );
}

/** Observation.category is a list, some resources have one category: accept both. */
function hasCategory(resource: JsonObject, code: string): boolean {
  const { category } = resource;
  if (!Array.isArray(category)) return hasCoding(category, code);
  return category.some((concept) => hasCoding(concept, code));
}

/** Whether a CodeableConcept (tolerating anything else) has the code, in `system` if given. */
function hasCoding(concept: Json | undefined, code: string, system?: string): boolean {
  if (!isObject(concept) || !Array.isArray(concept.coding)) return false;
  return concept.coding.some(
    (c) => isObject(c) && c.code === code && (system === undefined || c.system === system),
  );
}
