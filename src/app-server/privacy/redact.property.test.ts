/**
 * Properties of the redaction engine over arbitrary bundles and arbitrary rule
 * sets. For every RL k, version k:
 * (a) holds nothing labelled above k: every value in it is either the
 *     original value of an element labelled ≤ k, part of a stub's identity, or
 *     part of a mask;
 * (b) holds every element labelled ≤ k intact;
 * (c) marks every masked place visibly, the FHIR way, with one marker per
 *     place (no count), and labels each resource with k and REDACTED exactly
 *     when something in it was withheld;
 * (d) leaves its input untouched (frozen, and compared after).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIDENTIALITY, rank, type Confidentiality } from '../../protocol/levels.js';
import {
  confidentialityCoding,
  maskedElement,
  maskedExtension,
  maskedReason,
  redactedCoding,
  type FhirBundle,
  type Json,
  type JsonObject,
} from './fhir.js';
import { label, type LabelledRecord } from './label.js';
import { redact } from './redact.js';
import { loadRuleSet } from './rules.js';
import { isChoiceOf, isObject } from './tree.js';

const TYPES = ['Observation', 'Location', 'Communication', 'Patient'];
const LOINCS = ['8867-4', '59408-5', '85354-9', '8480-6'];
const CATEGORIES = ['vital-signs', 'survey'];
/** Element names of the random trees (components and meta come from their own arbitraries). */
const KEYS = [
  ...['code', 'text', 'note', 'value', 'unit', 'position', 'payload', 'alpha', 'url'],
  ...['valueQuantity', 'valueString', '_valueString', 'effectiveDateTime', '_effectiveDateTime'],
  ...['extension', 'modifierExtension', 'given', '_given', 'dataAbsentReason'],
];
const ELEMENT_PATHS = [
  ...['value[x]', 'component', 'component.value[x]', 'component.code', 'code', 'code.coding'],
  ...['note', 'meta', 'extension', 'position', 'payload', 'given', 'dataAbsentReason', 'alpha'],
  ...['alpha.value', 'value[x].unit', 'effective[x]', 'entry', 'type', 'text', 'category'],
  // Deeper paths, so that masks also fall deep inside shown elements.
  ...['component.value[x].unit', 'alpha.alpha.value', 'note.text.url', 'alpha.note.value[x]'],
  ...['payload.alpha.alpha.url', 'extension.value[x].code', 'position.alpha.given'],
];

const labelArb = fc.constantFrom(...CONFIDENTIALITY);
const leaf: fc.Arbitrary<Json> = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.boolean(),
  fc.constant(null),
);
const { tree } = fc.letrec<{ tree: Json; object: JsonObject; array: Json[] }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', maxDepth: 4 }, leaf, tie('object'), tie('array')),
  object: fc.dictionary(fc.constantFrom(...KEYS), tie('tree'), {
    maxKeys: 4,
    noNullPrototype: true,
  }),
  array: fc.array(tie('tree'), { maxLength: 3 }),
}));
const body = fc.dictionary(fc.constantFrom(...KEYS), tree, { maxKeys: 5, noNullPrototype: true });
const metaArb = fc.record(
  {
    versionId: fc.string({ maxLength: 4 }),
    profile: fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const concept = (codes: string[], system: string) =>
  fc.constantFrom(...codes).map((code): JsonObject => ({ coding: [{ system, code }], text: code }));

/** R4 obs-6: an Observation (or component) has a value or a dataAbsentReason, not both. */
function obs6(object: JsonObject): JsonObject {
  if (Object.keys(object).some((k) => isChoiceOf('value', k.replace(/^_/, '')))) {
    delete object.dataAbsentReason;
  }
  return object;
}

const resourceArb: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      resourceType: fc.constantFrom(...TYPES),
      id: fc.string({ minLength: 1, maxLength: 6 }),
      meta: metaArb,
      code: concept(LOINCS, 'http://loinc.org'),
      category: fc.array(concept(CATEGORIES, 'http://example.org/category'), { maxLength: 2 }),
      component: fc.array(fc.tuple(concept(LOINCS, 'http://loinc.org'), body), { maxLength: 3 }),
      body,
    },
    { requiredKeys: ['resourceType', 'body'] },
  )
  .map(({ body: rest, component, ...fields }) => {
    const resource: JsonObject = { ...rest, ...fields };
    if (component) resource.component = component.map(([code, b]) => obs6({ ...b, code }));
    return resource.resourceType === 'Observation' ? obs6(resource) : resource;
  });

const entries = (resource: fc.Arbitrary<JsonObject>) =>
  fc.array(
    fc.record({ fullUrl: fc.string({ maxLength: 4 }), resource }, { requiredKeys: ['resource'] }),
    { maxLength: 4 },
  );
const bundleArb = (resource: fc.Arbitrary<JsonObject>) =>
  fc
    .record(
      { id: fc.string({ maxLength: 4 }), meta: metaArb, entry: entries(resource), body },
      { requiredKeys: ['entry', 'body'] },
    )
    .map(({ body: rest, ...fields }): JsonObject => ({
      ...rest,
      resourceType: 'Bundle',
      type: 'collection',
      ...fields,
    }));
/** Bundles whose entries are resources or, at one level, bundles. */
const recordArb = bundleArb(
  fc.oneof({ weight: 4, arbitrary: resourceArb }, { weight: 1, arbitrary: bundleArb(resourceArb) }),
);

const ruleSetArb = fc
  .record({
    default: labelArb,
    rules: fc.array(
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
          elements: fc.uniqueArray(fc.constantFrom(...ELEMENT_PATHS), {
            minLength: 1,
            maxLength: 3,
          }),
          label: labelArb,
        },
        { requiredKeys: ['match', 'label'] },
      ),
      { maxLength: 10 },
    ),
  })
  .map((doc) =>
    loadRuleSet({
      formatVersion: 1,
      version: 'p',
      ...doc,
      rules: doc.rules.map((r, i) => ({ id: `r${i}`, ...r })),
    }),
  );

// ——— reading the trees ———

function get(root: Json | undefined, path: string): Json | undefined {
  let node = root;
  for (const [, key, index] of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (index !== undefined) node = Array.isArray(node) ? node[Number(index)] : undefined;
    else node = isObject(node) && Object.hasOwn(node, key!) ? node[key!] : undefined;
  }
  return node;
}

function parentOf(path: string): string {
  return path.replace(/(^|\.)[^.[\]]+$|\[\d+\]$/, '');
}

function lastKey(path: string): string {
  return /([^.[\]]+)$/.exec(path)?.[1] ?? '';
}

/** The paths of the record's resources: the bundle and each Bundle.entry.resource. */
function resourcePaths(node: Json, path = ''): string[] {
  if (!isObject(node) || node.resourceType !== 'Bundle' || !Array.isArray(node.entry))
    return [path];
  return [
    path,
    ...node.entry.flatMap((e, i) =>
      isObject(e) && isObject(e.resource) && typeof e.resource.resourceType === 'string'
        ? resourcePaths(e.resource, `${path === '' ? '' : `${path}.`}entry[${i}].resource`)
        : [],
    ),
  ];
}

function within(path: string, root: string): boolean {
  return root === '' || path === root || path.startsWith(`${root}.`) || path.startsWith(`${root}[`);
}

function primitiveLike(value: Json): boolean {
  return Array.isArray(value)
    ? value.every((v) => v === null || typeof v !== 'object')
    : !isObject(value);
}

function* primitives(node: Json, path = ''): Generator<[string, Json]> {
  const join = (k: string) => (path === '' ? k : `${path}.${k}`);
  if (Array.isArray(node))
    for (const [i, v] of node.entries()) yield* primitives(v, `${path}[${i}]`);
  else if (isObject(node)) for (const [k, v] of Object.entries(node)) yield* primitives(v, join(k));
  else yield [path, node];
}

const MARKERS: Json[] = [maskedElement(), [maskedElement()], [maskedExtension()], maskedReason()];
const isMarker = (node: Json | undefined) =>
  MARKERS.some((m) => JSON.stringify(m) === JSON.stringify(node));

// ——— the properties ———

/** How often each kind of mask was checked: the run must not be vacuous. */
const seen = new Map<string, number>();
const tally = (kind: string) => seen.set(kind, (seen.get(kind) ?? 0) + 1);

function check(labelled: LabelledRecord, original: JsonObject, k: Confidentiality): void {
  const version = redact(labelled, k) as unknown as JsonObject;
  const above = (path: string) => rank(labelled.labels.get(path)!) > rank(k);
  const maskedPaths = [...labelled.labels.keys()].filter(above);
  /** Paths with something masked at or below them. */
  const mixed = new Set<string>(maskedPaths);
  for (let p of maskedPaths) while (p !== '') mixed.add((p = parentOf(p)));
  const resources = resourcePaths(original);
  const stubs = resources.filter(above);
  const inStub = (p: string) => stubs.some((s) => within(p, s));
  const at = (r: string, key: string) => (r === '' ? key : `${r}.${key}`);
  const stubIdentity = new Set(stubs.flatMap((s) => [at(s, 'resourceType'), at(s, 'id')]));
  /** Objects holding an Observation's value[x] | dataAbsentReason (obs-6). */
  const valueSlots = resources
    .filter((r) => (get(original, r) as JsonObject).resourceType === 'Observation')
    .map(
      (r) =>
        new RegExp(
          `^${r === '' ? '' : `${escapeRe(r)}\\.`}component(\\[\\d+\\])*$|^${escapeRe(r)}$`,
        ),
    );

  // (a) Nothing above k: every value in the version, masks and the version's
  // own labels aside, is the original value of an element labelled ≤ k.
  const present = new Set<string>();
  const walk = (node: Json, path: string): void => {
    if (isMarker(node) || /(^|\.)meta\.security$/.test(path)) return;
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (isObject(node)) for (const [key, v] of Object.entries(node)) walk(v, at(path, key));
    else {
      if (!stubIdentity.has(path))
        expect(above(path), `${path} is labelled above ${k}`).toBe(false);
      expect(node, `${path} changed`).toEqual(get(original, path));
      present.add(JSON.stringify(node));
    }
  };
  walk(version, '');
  // (a') No withheld value appears anywhere, whatever its place.
  const leaves = [...primitives(original)];
  const shown = new Set(
    leaves.filter(([p]) => !above(p) || stubIdentity.has(p)).map(([, v]) => JSON.stringify(v)),
  );
  for (const [p, v] of leaves) {
    const secret =
      above(p) && typeof v !== 'boolean' && v !== null && !shown.has(JSON.stringify(v));
    if (secret) expect(present.has(JSON.stringify(v)), `value of ${p} leaked`).toBe(false);
  }

  // (b) Everything labelled ≤ k is intact (the version's own labels aside).
  const bare = structuredClone(version);
  for (const r of resources.filter((r) => !inStub(r))) {
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

  // (c) Every outermost masked place carries one visible marker.
  for (const path of maskedPaths) {
    if (path !== '' && above(parentOf(path))) continue;
    if (resources.includes(path)) {
      const r = get(original, path) as JsonObject;
      const stub: JsonObject = { resourceType: r.resourceType! };
      if (typeof r.id === 'string') stub.id = r.id;
      stub.meta = { security: [confidentialityCoding(k), redactedCoding()] };
      if (r.resourceType !== 'Bundle') stub.extension = [maskedExtension()];
      expect(get(version, path)).toEqual(stub);
      tally(path === '' ? 'bundle stub' : 'stub');
      continue;
    }
    expect(path, 'an array is masked whole').not.toMatch(/\]$/);
    const key = lastKey(path);
    const value = get(original, path)!;
    const parent = get(version, parentOf(path)) as JsonObject;
    const marker = Array.isArray(value) ? [maskedElement()] : maskedElement();
    const slot = isChoiceOf('value', key.replace(/^_/, '')) || key === 'dataAbsentReason';
    const depth = path
      .slice(resources.filter((r) => within(path, r)).at(-1)!.length)
      .split('.').length;
    if (depth > 3) tally('deep');
    if (slot && valueSlots.some((re) => re.test(parentOf(path)))) {
      if (key !== 'dataAbsentReason') expect(parent[key]).toBeUndefined();
      expect(parent.dataAbsentReason).toEqual(maskedReason());
      tally('value');
    } else if (resources.some((r) => path === at(r, 'meta'))) {
      // A masked meta still carries the version's labels.
      const { security: _labels, ...rest } = parent.meta as JsonObject;
      expect(rest).toEqual(maskedElement());
      tally('meta');
    } else if (key === 'extension' || key === 'modifierExtension') {
      expect(parent[key]).toEqual([maskedExtension()]);
      tally('extension');
    } else if (key.startsWith('_')) {
      expect([maskedElement(), [maskedElement()]]).toContainEqual(parent[key]);
      tally('_x');
    } else if (primitiveLike(value)) {
      expect(parent[key]).toBeUndefined();
      expect(parent[`_${key}`]).toEqual(marker);
      tally(Array.isArray(value) ? 'primitive list' : 'primitive');
    } else {
      expect(parent[key]).toEqual(marker);
      tally(Array.isArray(value) ? 'complex list' : 'complex');
    }
  }
  for (const r of resources.filter((r) => !inStub(r))) {
    const withheld = maskedPaths.some((p) => within(p, r));
    const meta = get(version, at(r, 'meta')) as JsonObject;
    expect(meta.security).toEqual([
      confidentialityCoding(k),
      ...(withheld ? [redactedCoding()] : []),
    ]);
  }
}

function escapeRe(text: string): string {
  return text.replace(/[.[\]]/g, '\\$&');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

describe('redact over arbitrary bundles and rule sets', () => {
  it('labels every element no lower than what encloses it', () => {
    fc.assert(
      fc.property(recordArb, ruleSetArb, (bundle, rules) => {
        const labelled = label(bundle as unknown as FhirBundle, rules);
        for (const [path] of primitives(bundle)) expect(labelled.labels.has(path)).toBe(true);
        for (const [path, l] of labelled.labels) {
          if (path !== '')
            expect(rank(l)).toBeGreaterThanOrEqual(rank(labelled.labels.get(parentOf(path))!));
        }
        const highest = Math.max(...[...labelled.labels.values()].map(rank));
        expect(rank(labelled.label)).toBe(highest);
      }),
      { numRuns: 200 },
    );
  });

  it('version k: nothing above k, everything up to k intact, masks visible, input untouched', () => {
    fc.assert(
      fc.property(recordArb, ruleSetArb, (bundle, rules) => {
        const original = structuredClone(bundle);
        const labelled = label(deepFreeze(bundle) as unknown as FhirBundle, rules);
        deepFreeze(labelled.bundle);
        for (const k of CONFIDENTIALITY) check(labelled, original, k);
        expect(bundle).toEqual(original);
        expect(labelled.bundle).toEqual(original);
      }),
      { numRuns: 300 },
    );
    const kinds = ['stub', 'bundle stub', 'value', 'meta', 'extension', '_x', 'primitive'];
    kinds.push('primitive list', 'complex', 'complex list', 'deep', 'REDACTED', 'not REDACTED');
    console.log(seen);
    for (const kind of kinds) expect(seen.get(kind) ?? 0, kind).toBeGreaterThan(5);
  });
});
