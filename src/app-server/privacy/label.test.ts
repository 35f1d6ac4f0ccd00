import { describe, expect, it } from 'vitest';
import type { Confidentiality } from '../../protocol/levels.js';
import { rank } from '../../protocol/levels.js';
import type { FhirBundle } from './fhir.js';
import { label } from './label.js';
import { defaultRuleSet, loadRuleSet, type RuleSetDocument } from './rules.js';
import { parentOf } from './testing-tree.js';
import { bloodPressure, heartRate, oxygenSaturation, wardTick } from './testing.js';

type RuleDoc = RuleSetDocument['rules'][number];

function ruleSet(rules: RuleDoc[], fallback: Confidentiality = 'V') {
  return loadRuleSet({ formatVersion: 1, version: 't', default: fallback, rules });
}

function bundleOf(...resources: object[]): FhirBundle {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    entry: resources.map((resource) => ({ resource: structuredClone(resource) as FhirBundle })),
  };
}

const bundleRules: RuleDoc[] = [
  { id: 'bundle', match: { resourceType: 'Bundle' }, label: 'U' },
  { id: 'bundle-env', match: { resourceType: 'Bundle' }, elements: ['type', 'entry'], label: 'U' },
];

describe('label with the default rule set', () => {
  const record = label(wardTick(), defaultRuleSet());
  const at = (path: string) => record.labels.get(path);

  it.each([
    ['', 'U'],
    ['type', 'U'],
    ['entry[0].fullUrl', 'U'],
    // Blood pressure: the skeleton at L, the provenance at M, the result at N.
    ['entry[0].resource', 'L'],
    ['entry[0].resource.id', 'L'],
    ['entry[0].resource.meta.profile[0]', 'L'],
    ['entry[0].resource.code.coding[0].code', 'L'],
    ['entry[0].resource.category[0].coding[0].code', 'L'],
    ['entry[0].resource.effectiveDateTime', 'L'],
    ['entry[0].resource.issued', 'M'],
    ['entry[0].resource.device.reference', 'M'],
    ['entry[0].resource.interpretation[0].coding[0].code', 'N'],
    ['entry[0].resource.component', 'N'],
    ['entry[0].resource.component[0].code.coding[0].code', 'N'],
    ['entry[0].resource.component[1].valueQuantity.value', 'N'],
    // SpO2: value N, free-text note R.
    ['entry[1].resource.valueQuantity.unit', 'N'],
    ['entry[1].resource.note[0].text', 'R'],
    // Heart rate: the device's reason for no value is labelled like a value.
    ['entry[2].resource.dataAbsentReason.coding[0].code', 'N'],
    // The position: all of it, even its existence, at R.
    ['entry[3].resource', 'R'],
    ['entry[3].resource.id', 'R'],
    ['entry[3].resource.position.latitude', 'R'],
    // The note: its existence at L, its text at R.
    ['entry[4].resource', 'L'],
    ['entry[4].resource.sent', 'L'],
    ['entry[4].resource.payload[0].contentString', 'R'],
  ])('%s is %s', (path, expected) => {
    expect(at(path)).toBe(expected);
  });

  it('gives the record its highest label and the rule set version', () => {
    expect(record.label).toBe('R');
    expect(record.ruleSet).toBe('1.0.0');
  });

  it('labels every element, never lower than what encloses it', () => {
    const paths = [...record.labels.keys()];
    expect(paths).toHaveLength(new Set(paths).size);
    for (const [path, l] of record.labels) {
      if (path !== '') expect(rank(l)).toBeGreaterThanOrEqual(rank(at(parentOf(path))!));
    }
    expect(at('entry[0].resource.component[1].code.coding[0].display')).toBe('N');
  });

  it('denies by default: unknown resources and unlisted elements get R', () => {
    const patient = { resourceType: 'Patient', id: 'p', birthDate: '1941-02-03' };
    const observation = {
      ...heartRate,
      identifier: [{ value: 'x' }],
      text: { status: 'generated', div: '<div>HR withheld</div>' },
      extension: [{ url: 'http://example.org/artefact', valueBoolean: true }],
    };
    const r = label(bundleOf(patient, observation), defaultRuleSet());
    expect(r.labels.get('entry[0].resource')).toBe('R');
    expect(r.labels.get('entry[0].resource.birthDate')).toBe('R');
    expect(r.labels.get('entry[1].resource.identifier[0].value')).toBe('R');
    expect(r.labels.get('entry[1].resource.text.div')).toBe('R');
    expect(r.labels.get('entry[1].resource.extension[0].valueBoolean')).toBe('R');
  });

  it('labels `_x` as its primitive x (R4 json.html, primitive elements)', () => {
    const ext = { extension: [{ url: 'http://example.org/tz', valueString: 'CET' }] };
    const r = label(
      bundleOf({ ...bloodPressure, _effectiveDateTime: ext, _issued: ext }),
      defaultRuleSet(),
    );
    expect(r.labels.get('entry[0].resource._effectiveDateTime.extension[0].valueString')).toBe('L');
    expect(r.labels.get('entry[0].resource._issued.extension[0].url')).toBe('M');
  });

  it('keeps a copy: later changes to the bundle do not reach the record', () => {
    const bundle = wardTick();
    const before = structuredClone(bundle);
    const r = label(bundle, defaultRuleSet());
    expect(bundle).toEqual(before);
    bundle.entry![0]!.resource!.id = 'changed';
    expect(r.bundle.entry![0]!.resource!.id).toBe('0b6c2f0e-bp');
  });
});

describe('label resolves conflicts', () => {
  it('lets the longer element path win over a more specific match', () => {
    const r = label(
      bundleOf(bloodPressure),
      ruleSet([
        ...bundleRules,
        { id: 'obs', match: { resourceType: 'Observation' }, label: 'L' },
        { id: 'bp-comp', match: { loinc: '85354-9' }, elements: ['component'], label: 'M' },
        {
          id: 'values',
          match: { resourceType: 'Observation' },
          elements: ['component.value[x]'],
          label: 'N',
        },
      ]),
    );
    expect(r.labels.get('entry[0].resource.component[0].code.coding[0].code')).toBe('M');
    expect(r.labels.get('entry[0].resource.component[0].valueQuantity.value')).toBe('N');
  });

  it('on the same element, prefers LOINC code over category over resourceType', () => {
    const r = label(
      bundleOf(heartRate, oxygenSaturation, { ...oxygenSaturation, category: [] }),
      ruleSet([
        ...bundleRules,
        { id: 'obs', match: { resourceType: 'Observation' }, label: 'U' },
        {
          id: 'any',
          match: { resourceType: 'Observation' },
          elements: ['dataAbsentReason', 'value[x]'],
          label: 'R',
        },
        {
          id: 'vs',
          match: { category: 'vital-signs' },
          elements: ['value[x]', 'dataAbsentReason'],
          label: 'L',
        },
        { id: 'hr', match: { loinc: '8867-4' }, elements: ['dataAbsentReason'], label: 'M' },
      ]),
    );
    expect(r.labels.get('entry[0].resource.dataAbsentReason')).toBe('M');
    expect(r.labels.get('entry[1].resource.valueQuantity')).toBe('L');
    expect(r.labels.get('entry[2].resource.valueQuantity')).toBe('R');
  });

  it('counts resourceType and category together below a LOINC code alone', () => {
    const r = label(
      bundleOf(heartRate),
      ruleSet([
        ...bundleRules,
        {
          id: 'vs-obs',
          match: { resourceType: 'Observation', category: 'vital-signs' },
          label: 'N',
        },
        { id: 'hr', match: { loinc: '8867-4' }, label: 'L' },
      ]),
    );
    expect(r.labels.get('entry[0].resource')).toBe('L');
  });

  it('breaks a tie with the higher label', () => {
    const r = label(
      bundleOf(heartRate),
      ruleSet([
        ...bundleRules,
        { id: 'low', match: { resourceType: 'Observation' }, label: 'L' },
        { id: 'high', match: { resourceType: 'Observation' }, label: 'N' },
        { id: 'code-m', match: { resourceType: 'Observation' }, elements: ['code'], label: 'R' },
        { id: 'code-l', match: { resourceType: 'Observation' }, elements: ['code'], label: 'M' },
      ]),
    );
    expect(r.labels.get('entry[0].resource')).toBe('N');
    expect(r.labels.get('entry[0].resource.code')).toBe('R');
  });

  it('never labels an element below its resource or its parent element', () => {
    const r = label(
      bundleOf(bloodPressure),
      ruleSet([
        { id: 'bundle', match: { resourceType: 'Bundle' }, label: 'U' },
        { id: 'entries', match: { resourceType: 'Bundle' }, elements: ['entry'], label: 'M' },
        { id: 'obs', match: { resourceType: 'Observation' }, label: 'L' },
        {
          id: 'code',
          match: { resourceType: 'Observation' },
          elements: ['code', 'component'],
          label: 'U',
        },
        { id: 'comp', match: { resourceType: 'Observation' }, elements: ['component'], label: 'N' },
        {
          id: 'comp-code',
          match: { resourceType: 'Observation' },
          elements: ['component.code'],
          label: 'L',
        },
      ]),
    );
    expect(r.labels.get('entry[0].resource')).toBe('M'); // its entry is M
    expect(r.labels.get('entry[0].resource.code')).toBe('M');
    expect(r.labels.get('entry[0].resource.component[0].code')).toBe('N'); // its component is N
  });

  it('falls back to the default for unmatched resources and elements', () => {
    const r = label(bundleOf(heartRate), ruleSet([], 'M'));
    expect(new Set(r.labels.values())).toEqual(new Set(['M']));
  });

  it('matches value[x] to each typed choice (R4 open types), and only those', () => {
    const r = label(
      bundleOf({
        ...heartRate,
        valueString: 'x',
        _valueString: { id: 'v' },
        valueSet: 'y',
        value: 1,
      }),
      ruleSet([
        ...bundleRules,
        { id: 'obs', match: { resourceType: 'Observation' }, label: 'L' },
        { id: 'v', match: { resourceType: 'Observation' }, elements: ['value[x]'], label: 'N' },
      ]),
    );
    expect(r.labels.get('entry[0].resource.valueString')).toBe('N');
    expect(r.labels.get('entry[0].resource._valueString.id')).toBe('N');
    expect(r.labels.get('entry[0].resource.valueSet')).toBe('V');
    expect(r.labels.get('entry[0].resource.value')).toBe('V');
  });

  it('labels a bundle inside an entry by its own resources, and contained resources with their container', () => {
    const inner = { ...bundleOf(heartRate), id: 'inner' };
    const withContained = { ...heartRate, contained: [{ resourceType: 'Observation', id: 'c' }] };
    const r = label(
      bundleOf(inner, withContained),
      ruleSet([
        ...bundleRules,
        { id: 'obs', match: { resourceType: 'Observation' }, label: 'L' },
        { id: 'code', match: { loinc: '8867-4' }, elements: ['code', 'contained'], label: 'M' },
      ]),
    );
    expect(r.labels.get('entry[0].resource')).toBe('U');
    expect(r.labels.get('entry[0].resource.entry[0].resource')).toBe('L');
    expect(r.labels.get('entry[0].resource.entry[0].resource.code')).toBe('M');
    expect(r.labels.get('entry[1].resource.contained[0].id')).toBe('M');
  });
});
