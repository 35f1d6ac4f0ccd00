import { describe, expect, it } from 'vitest';
import type { Confidentiality } from '../../protocol/levels.js';
import type { JsonObject } from './fhir.js';
import { label } from './label.js';
import { MAX_CACHED_ELEMENTS, decisionsFor } from './label-rules.js';
import { redact } from './redact.js';
import { loadRuleSet, type Rule, type RuleSet } from './rules.js';
import { oxygenSaturation, wardTick } from './testing.js';

/** A rule set labelling SpO2 values at `value`; everything else at U. */
function rules(value: Confidentiality, version = 'same'): RuleSet {
  return loadRuleSet({
    formatVersion: 1,
    version,
    default: 'U',
    rules: [{ id: 'v', match: { loinc: '59408-5' }, elements: ['value[x]'], label: value }],
  });
}

const SPO2_VALUE = 'entry[1].resource.valueQuantity.value';

describe('cached rule decisions', () => {
  it('belong to one rule set: another, even with the same version, never sees them', () => {
    const n = rules('N');
    const v = rules('V');
    expect(label(wardTick(), n).labels.get(SPO2_VALUE)).toBe('N');
    expect(label(wardTick(), v).labels.get(SPO2_VALUE)).toBe('V');
    expect(label(wardTick(), n).labels.get(SPO2_VALUE)).toBe('N');
    const version = (rs: RuleSet) => redact(label(wardTick(), rs), 'N').entry?.[1]?.resource;
    expect(JSON.stringify(version(n))).toContain('"value":91');
    expect(JSON.stringify(version(v))).not.toContain('"value":91');
  });

  it('are never kept for a rule set that can still change', () => {
    const frozen = rules('N');
    const changing: { version: string; default: Confidentiality; rules: Rule[] } = {
      version: 'changing',
      default: 'U',
      rules: [...frozen.rules],
    };
    expect(label(wardTick(), changing).labels.get(SPO2_VALUE)).toBe('N');
    changing.rules[0] = rules('V').rules[0]!;
    expect(label(wardTick(), changing).labels.get(SPO2_VALUE)).toBe('V');
    changing.rules = [];
    changing.default = 'R';
    expect(label(wardTick(), changing).labels.get(SPO2_VALUE)).toBe('R');
  });

  it('are kept per kind of resource and start afresh past their bound', () => {
    const rs = rules('N', 'bounded');
    const spo2 = oxygenSaturation as unknown as JsonObject;
    const first = decisionsFor(rs, spo2);
    expect(decisionsFor(rs, spo2)).toBe(first);
    expect(decisionsFor(rs, { resourceType: 'Observation' })).not.toBe(first);
    for (let i = 0; i <= MAX_CACHED_ELEMENTS; i++) first.elements.child(`e${i}`);
    const fresh = decisionsFor(rs, spo2);
    expect(fresh).not.toBe(first);
    expect(fresh.elements.decided).toBe(0);
    expect(fresh.elements.child('valueQuantity').rank).toBe(3); // N
  });
});

describe('the labelled copy', () => {
  const record = label(wardTick(), rules('N'));

  it('is frozen throughout, so it cannot drift from its labels', () => {
    const entry = record.bundle.entry![1]!;
    expect(Object.isFrozen(record.bundle)).toBe(true);
    expect(Object.isFrozen(entry.resource)).toBe(true);
    expect(() => {
      (entry.resource as unknown as JsonObject).valueQuantity = { value: 1 };
    }).toThrow(TypeError);
  });

  it('gives the same versions when its labels are read from their paths', () => {
    const elsewhere = { ...record, bundle: structuredClone(record.bundle) };
    for (const rl of ['U', 'M', 'N', 'V'] as const)
      expect(JSON.stringify(redact(elsewhere, rl))).toBe(JSON.stringify(redact(record, rl)));
  });
});
