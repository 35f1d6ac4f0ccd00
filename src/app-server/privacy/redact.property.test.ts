/**
 * Properties of label() and redact() over arbitrary bundles and arbitrary rule
 * sets. For every RL k, version k:
 * (a) holds nothing labelled above k: each value in it is the original value
 *     of an element labelled ≤ k, a withheld resource's identity (its stub),
 *     or part of a mask; and no withheld value appears anywhere;
 * (b) holds every element labelled ≤ k intact;
 * (c) marks every masked place visibly, the FHIR way, with one marker per
 *     place whatever the count, and labels each resource with k, plus
 *     REDACTED exactly when something in it was withheld;
 * (d) leaves its input untouched (frozen, compared after) and shares no object
 *     with it.
 * The run also counts each kind of mask it checked, so that it cannot pass
 * vacuously.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIDENTIALITY, rank, type Confidentiality } from '../../protocol/levels.js';
import * as fhir from './fhir.js';
import type { FhirBundle, Json, JsonObject } from './fhir.js';
import { label, type LabelledRecord } from './label.js';
import { redact } from './redact.js';
import { loadRuleSet } from './rules.js';
import {
  at,
  deepFreeze,
  elementPaths,
  get,
  lastKey,
  leaves,
  objects,
  parentOf,
  resourcePaths,
  within,
} from './testing-tree.js';
import { isChoiceOf, isObject } from './tree.js';

const TYPES = ['Observation', 'Location', 'Communication', 'Patient'];
const LOINCS = ['8867-4', '59408-5', '85354-9', '8480-6'];
const CATEGORIES = ['vital-signs', 'survey'];
/** Element names of the random trees (resource fields come from their own arbitraries). */
const KEYS = [
  ...['code', 'text', 'note', 'value', 'unit', 'position', 'payload', 'alpha', 'url', 'given'],
  ...['valueQuantity', 'valueString', '_valueString', 'effectiveDateTime', '_effectiveDateTime'],
  ...['extension', 'modifierExtension', '_given', 'dataAbsentReason'],
];
/** Rule paths that may or may not occur; most rule paths are drawn from the record itself. */
const ELEMENT_PATHS = [
  'value[x]',
  'component.value[x]',
  'effective[x]',
  'entry',
  'meta',
  'extension',
];

// ——— arbitrary records ———

const labelArb = fc.constantFrom(...CONFIDENTIALITY);
const str = fc.string({ maxLength: 6 });
const leaf = fc.oneof(str, fc.integer({ min: -1000, max: 1000 }), fc.boolean(), fc.constant(null));
const dict = <T>(value: fc.Arbitrary<T>, maxKeys: number) =>
  fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys, noNullPrototype: true });
const { tree } = fc.letrec<{ tree: Json; object: JsonObject; array: Json[] }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', maxDepth: 4 }, leaf, tie('object'), tie('array')),
  object: dict(tie('tree'), 4),
  array: fc.array(tie('tree'), { maxLength: 3 }),
}));
const body = dict(tree, 6);
const metaArb = fc.record(
  { versionId: str, profile: fc.array(str, { maxLength: 2 }) },
  { requiredKeys: [] },
);
const concept = (codes: string[], system: string) =>
  fc.constantFrom(...codes).map((code): JsonObject => ({ coding: [{ system, code }], text: code }));
/** value[x] or dataAbsentReason, never both (R4 obs-6). */
const valueSlot = fc.oneof(
  fc.record({ valueQuantity: fc.record({ value: fc.integer(), unit: str }) }),
  fc.record({ valueString: str, _valueString: dict(tree, 2) }, { requiredKeys: ['valueString'] }),
  fc.record({ dataAbsentReason: concept(['error', 'unknown'], 'http://example.org/dar') }),
  fc.constant({}),
);
const withoutSlot = (object: JsonObject): JsonObject =>
  Object.fromEntries(
    Object.entries(object).filter(
      ([k]) => k !== 'dataAbsentReason' && !isChoiceOf('value', k.replace(/^_/, '')),
    ),
  );

const resourceArb: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      resourceType: fc.constantFrom(
        'Observation',
        'Observation',
        'Location',
        'Communication',
        'Patient',
      ),
      id: fc.string({ minLength: 1, maxLength: 6 }),
      meta: metaArb,
      code: concept(LOINCS, 'http://loinc.org'),
      category: fc.array(concept(CATEGORIES, 'http://example.org/category'), { maxLength: 2 }),
      component: fc.array(fc.tuple(concept(LOINCS, 'http://loinc.org'), body, valueSlot), {
        maxLength: 3,
      }),
      slot: valueSlot,
      body,
    },
    { requiredKeys: ['resourceType', 'body', 'slot'] },
  )
  .map(({ body: rest, slot, component, ...fields }) => {
    if (fields.resourceType !== 'Observation') return { ...rest, ...fields };
    const resource: JsonObject = { ...withoutSlot(rest), ...slot, ...fields };
    if (component)
      resource.component = component.map(([code, b, s]) => ({ ...withoutSlot(b), ...s, code }));
    return resource;
  });

const bundleArb = (resource: fc.Arbitrary<JsonObject>) =>
  fc
    .record(
      {
        id: str,
        meta: metaArb,
        entry: fc.array(fc.record({ fullUrl: str, resource }, { requiredKeys: ['resource'] }), {
          maxLength: 4,
        }),
        body,
      },
      { requiredKeys: ['entry', 'body'] },
    )
    .map(({ body: rest, ...fields }): JsonObject => ({
      ...rest,
      resourceType: 'Bundle',
      type: 'collection',
      ...fields,
    }));
/** Bundles of resources and, one level down, of bundles. */
const recordArb = bundleArb(
  fc.oneof({ weight: 4, arbitrary: resourceArb }, { weight: 1, arbitrary: bundleArb(resourceArb) }),
);

/** Rule paths; deep ones (3+ names) often, so that masks fall deep inside shown elements. */
const pathArb = (paths: string[]) => {
  const deep = paths.filter((p) => p.split('.').length > 2);
  const any = fc.constantFrom(...paths, ...ELEMENT_PATHS);
  return deep.length === 0
    ? any
    : fc.oneof(any, { weight: 2, arbitrary: fc.constantFrom(...deep) });
};
const ruleArb = (paths: string[]) =>
  fc.record(
    {
      match: fc
        .record(
          {
            resourceType: fc.constantFrom('Bundle', ...TYPES),
            loinc: fc.constantFrom(...LOINCS),
            category: fc.constantFrom(...CATEGORIES),
          },
          { requiredKeys: [] },
        )
        .filter((m) => Object.keys(m).length > 0),
      elements: fc.uniqueArray(pathArb(paths), { minLength: 1, maxLength: 3 }),
      label: labelArb,
    },
    { requiredKeys: ['match', 'label'] },
  );
/** Mostly an open envelope, so that what is inside gets checked. */
const envelopeArb = fc.oneof(
  { weight: 4, arbitrary: fc.constant('U' as const) },
  { weight: 2, arbitrary: labelArb },
);
const ruleSetArb = (paths: string[]) =>
  fc
    .record({
      default: labelArb,
      envelope: envelopeArb,
      // The level of each resource type's stub, so that resources differ from their elements.
      stubs: fc.tuple(...TYPES.map(() => fc.option(labelArb, { nil: undefined, freq: 4 }))),
      rules: fc.array(ruleArb(paths), { maxLength: 12 }),
    })
    .map(({ envelope, stubs, rules, ...doc }) =>
      loadRuleSet({
        formatVersion: 1,
        version: 'p',
        ...doc,
        rules: [
          ...TYPES.flatMap((resourceType, i) => {
            const own = stubs[i];
            return own === undefined
              ? []
              : [{ id: `own-${resourceType}`, match: { resourceType }, label: own }];
          }),
          { id: 'bundle', match: { resourceType: 'Bundle' }, label: envelope },
          {
            id: 'envelope',
            match: { resourceType: 'Bundle' },
            elements: ['entry', 'type'],
            label: envelope,
          },
          ...rules.map((r, i) => ({ id: `r${i}`, ...r })),
        ],
      }),
    );

/** A record, and rule sets whose element paths mostly name elements it has, at every depth. */
const recordAndRulesArb = recordArb.chain((bundle) =>
  ruleSetArb([...elementPaths(bundle)]).map((rules) => [bundle, rules] as const),
);

const same = (a: Json | undefined, b: Json) => JSON.stringify(a) === JSON.stringify(b);
const MARKERS: Json[] = [
  fhir.maskedElement(),
  [fhir.maskedElement()],
  [fhir.maskedExtension()],
  fhir.maskedReason(),
];
const security = (k: Confidentiality, withheld: boolean) => [
  fhir.confidentialityCoding(k),
  ...(withheld ? [fhir.redactedCoding()] : []),
];

// ——— the properties ———

const seen = new Map<string, number>();
const tally = (kind: string) => seen.set(kind, (seen.get(kind) ?? 0) + 1);

function check(labelled: LabelledRecord, original: JsonObject, k: Confidentiality): void {
  const version = redact(labelled, k) as unknown as JsonObject;
  const above = (path: string) => rank(labelled.labels.get(path)!) > rank(k);
  const masked = [...labelled.labels.keys()].filter(above);
  const mixed = new Set(masked); // paths with something masked at or below them
  for (let p of masked) while (p !== '') mixed.add((p = parentOf(p)));
  const resources = resourcePaths(original);
  const stubs = resources.filter(above);
  const shownResources = resources.filter((r) => !stubs.some((s) => within(r, s)));
  const identity = new Set(stubs.flatMap((s) => [at(s, 'resourceType'), at(s, 'id')]));
  const valueHolders = resources
    .filter((r) => (get(original, r) as JsonObject).resourceType === 'Observation')
    .map((r) => new RegExp(`^${r.replace(/[.[\]]/g, '\\$&')}(\\.component(\\[\\d+\\])*)?$`));

  // (a) Every value shown is an original value labelled ≤ k, an identity or a mask.
  const present = new Set<string>();
  const walk = (node: Json, path: string): void => {
    if (MARKERS.some((m) => same(node, m)) || /(^|\.)meta\.security$/.test(path)) return;
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (isObject(node)) for (const [key, v] of Object.entries(node)) walk(v, at(path, key));
    else {
      if (!identity.has(path)) expect(above(path), `${path} is above ${k}`).toBe(false);
      expect(node, `${path} changed`).toEqual(get(original, path));
      present.add(JSON.stringify(node));
    }
  };
  walk(version, '');
  const all = [...leaves(original)];
  const shown = new Set(
    all.filter(([p]) => !above(p) || identity.has(p)).map(([, v]) => JSON.stringify(v)),
  );
  for (const [p, v] of all) {
    if (!above(p) || typeof v === 'boolean' || v === null || shown.has(JSON.stringify(v))) continue;
    expect(present.has(JSON.stringify(v)), `the value of ${p} leaked`).toBe(false);
  }

  // (b) Everything labelled ≤ k is intact, the version's own labels aside.
  const bare = structuredClone(version);
  for (const r of shownResources) {
    const meta = get(bare, at(r, 'meta')) as JsonObject;
    delete meta.security;
    if (Object.keys(meta).length === 0 && get(original, at(r, 'meta')) === undefined) {
      delete (get(bare, r) as JsonObject).meta;
    }
  }
  for (const [path] of labelled.labels) {
    if (above(path)) continue;
    if (!mixed.has(path))
      expect(get(bare, path), `${path} not intact`).toEqual(get(original, path));
    else expect(Array.isArray(get(bare, path))).toBe(Array.isArray(get(original, path)));
  }

  // (c) One visible marker at each outermost masked place.
  for (const path of masked) {
    if (path !== '' && above(parentOf(path))) continue;
    if (resources.includes(path)) {
      const r = get(original, path) as JsonObject;
      const stub: JsonObject = { resourceType: r.resourceType!, id: r.id! };
      if (typeof r.id !== 'string') delete stub.id;
      stub.meta = { security: security(k, true) };
      if (r.resourceType !== 'Bundle') stub.extension = [fhir.maskedExtension()];
      expect(get(version, path)).toEqual(stub);
      tally(path === '' ? 'bundle stub' : 'stub');
      continue;
    }
    expect(path, 'arrays are masked whole').not.toMatch(/\]$/);
    const key = lastKey(path);
    const value = get(original, path)!;
    const parent = get(version, parentOf(path)) as JsonObject;
    const marker = Array.isArray(value) ? [fhir.maskedElement()] : fhir.maskedElement();
    const inSlot = isChoiceOf('value', key.replace(/^_/, '')) || key === 'dataAbsentReason';
    if (
      path.split('.').length -
        (resources.findLast((r) => within(path, r)) ?? '').split('.').length >
      2
    ) {
      tally('deep');
    }
    if (inSlot && valueHolders.some((re) => re.test(parentOf(path)))) {
      if (key !== 'dataAbsentReason') expect(parent[key]).toBeUndefined();
      expect(parent.dataAbsentReason).toEqual(fhir.maskedReason());
      tally('value');
    } else if (resources.some((r) => path === at(r, 'meta'))) {
      const { security: _labels, ...rest } = parent.meta as JsonObject; // still labelled
      expect(rest).toEqual(fhir.maskedElement());
      tally('meta');
    } else if (key === 'extension' || key === 'modifierExtension') {
      expect(parent[key]).toEqual([fhir.maskedExtension()]);
      tally('extension');
    } else if (key.startsWith('_')) {
      expect([fhir.maskedElement(), [fhir.maskedElement()]]).toContainEqual(parent[key]);
      tally('_x');
    } else if (
      !isObject(value) &&
      !(Array.isArray(value) && value.some((v) => typeof v === 'object' && v !== null))
    ) {
      expect(parent[key]).toBeUndefined();
      expect(parent[`_${key}`]).toEqual(marker);
      tally(Array.isArray(value) ? 'primitive list' : 'primitive');
    } else {
      expect(parent[key]).toEqual(marker);
      tally(Array.isArray(value) ? 'complex list' : 'complex');
    }
  }
  for (const r of shownResources) {
    const withheld = masked.some((p) => within(p, r));
    expect((get(version, at(r, 'meta')) as JsonObject).security).toEqual(security(k, withheld));
    tally(withheld ? 'REDACTED' : 'not REDACTED');
  }

  // (d) The version shares no object with the record.
  const inputs = new Set(objects(labelled.bundle as unknown as Json));
  for (const o of objects(version)) expect(inputs.has(o), 'shares an object').toBe(false);
}

describe('label and redact over arbitrary bundles and rule sets', () => {
  it('labels every element, never lower than what encloses it; the record gets the highest', () => {
    fc.assert(
      fc.property(recordAndRulesArb, ([bundle, rules]) => {
        const labelled = label(bundle as unknown as FhirBundle, rules);
        for (const [path] of leaves(bundle)) expect(labelled.labels.has(path)).toBe(true);
        for (const [path, l] of labelled.labels) {
          if (path !== '')
            expect(rank(l)).toBeGreaterThanOrEqual(rank(labelled.labels.get(parentOf(path))!));
        }
        expect(rank(labelled.label)).toBe(Math.max(...[...labelled.labels.values()].map(rank)));
      }),
      { numRuns: 200 },
    );
  });

  it('version k: nothing above k, everything up to k intact, masks visible, input untouched', () => {
    fc.assert(
      fc.property(recordAndRulesArb, ([bundle, rules]) => {
        const original = structuredClone(bundle);
        const labelled = label(deepFreeze(bundle) as unknown as FhirBundle, rules);
        deepFreeze(labelled.bundle);
        for (const k of CONFIDENTIALITY) check(labelled, original, k);
        expect(bundle).toEqual(original);
        expect(labelled.bundle).toEqual(original);
      }),
      { numRuns: 250 },
    );
    const kinds = ['stub', 'bundle stub', 'value', 'meta', 'extension', '_x', 'primitive'];
    kinds.push('primitive list', 'complex', 'complex list', 'deep', 'REDACTED', 'not REDACTED');
    for (const kind of kinds)
      expect(seen.get(kind) ?? 0, `masks of kind ${kind}`).toBeGreaterThanOrEqual(3);
    // 250 arbitrary records × six versions: about 10 s alone, several times that on a busy machine.
  }, 120_000);
});
