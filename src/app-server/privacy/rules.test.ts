import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TutelaError } from '../../core/errors.js';
import { defaultRuleSet, loadRuleSet, type RuleSetDocument } from './rules.js';

function doc(): RuleSetDocument {
  return {
    formatVersion: 1,
    version: 'test-1',
    default: 'R',
    rules: [
      { id: 'obs', match: { resourceType: 'Observation' }, label: 'L' },
      {
        id: 'obs-values',
        match: { resourceType: 'Observation' },
        elements: ['value[x]', 'component.value[x]'],
        label: 'N',
      },
    ],
  };
}

/** The message of the error loading `json` (as it would come from a file) throws. */
function failure(json: unknown): string {
  try {
    loadRuleSet(JSON.parse(JSON.stringify(json)) as object);
  } catch (err) {
    expect(err).toBeInstanceOf(TutelaError);
    expect((err as TutelaError).code).toBe('invalid_rule_set');
    expect((err as TutelaError).status).toBe(400);
    return (err as TutelaError).message;
  }
  throw new Error('expected the rule set to be refused');
}

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tutela-labels-')), name);
  writeFileSync(file, text);
  return file;
}

describe('loadRuleSet', () => {
  it('loads a document, splitting element paths into names', () => {
    const set = loadRuleSet(doc());
    expect(set.version).toBe('test-1');
    expect(set.default).toBe('R');
    expect(set.rules[0]).toEqual({ id: 'obs', match: { resourceType: 'Observation' }, label: 'L' });
    expect(set.rules[1]?.elements).toEqual([['value[x]'], ['component', 'value[x]']]);
  });

  it('returns a frozen rule set that later edits of the document cannot change', () => {
    const source = doc();
    const set = loadRuleSet(source);
    source.rules[0]!.label = 'V';
    expect(set.rules[0]?.label).toBe('L');
    expect(Object.isFrozen(set.rules)).toBe(true);
    expect(Object.isFrozen(set.rules[1]?.elements?.[0])).toBe(true);
  });

  it('loads a JSON file by path and by file URL', () => {
    const file = tempFile('labels.json', JSON.stringify(doc()));
    expect(loadRuleSet(file).version).toBe('test-1');
    expect(loadRuleSet(pathToFileURL(file)).version).toBe('test-1');
  });

  it('names the file that cannot be read', () => {
    const missing = join(tmpdir(), 'no-such-dir-tutela', 'labels.json');
    expect(() => loadRuleSet(missing)).toThrow(
      expect.objectContaining({
        code: 'rule_set_unreadable',
        message: expect.stringContaining(missing),
      }),
    );
  });

  it('names the file that is not JSON', () => {
    const file = tempFile('broken.json', '{ "formatVersion": 1,');
    expect(() => loadRuleSet(file)).toThrow(
      expect.objectContaining({
        code: 'invalid_rule_set',
        message: expect.stringContaining(`${file} is not JSON`),
      }),
    );
  });

  it('loads the default rule set', () => {
    const set = defaultRuleSet();
    expect(set.version).toBe('1.0.0');
    expect(set.default).toBe('R');
    expect(set).toBe(defaultRuleSet());
  });

  it('accepts every LOINC code the vital-signs mapping uses (check digits)', () => {
    const codes = [
      '2708-6',
      '59408-5',
      '8867-4',
      '9279-1',
      '8310-5',
      '85354-9',
      '8480-6',
      '8462-4',
      '3151-8',
      '67775-7',
    ];
    const rules = codes.map((loinc, i) => ({ id: `r${i}`, match: { loinc }, label: 'N' as const }));
    expect(loadRuleSet({ ...doc(), rules }).rules).toHaveLength(codes.length);
  });
});

describe('loadRuleSet refuses a bad rule set with a specific error', () => {
  const rule = (patch: object) => {
    const d = doc() as unknown as { rules: object[] };
    d.rules[1] = { ...d.rules[1], ...patch };
    return d;
  };
  const cases: [string, unknown, string][] = [
    ['a document that is not an object', [], 'document: expected object, got []'],
    [
      'another format version',
      { ...doc(), formatVersion: 2 },
      'formatVersion: expected format version 1, got 2',
    ],
    ['no version', { ...doc(), version: undefined }, 'version: is missing'],
    [
      'an empty version',
      { ...doc(), version: '' },
      'version: expected a non-empty version string, got ""',
    ],
    [
      'an unknown top-level field',
      { ...doc(), defaults: 'R' },
      'defaults: unknown field (allowed: formatVersion, version, description, default, rules)',
    ],
    [
      'a default that is no code',
      { ...doc(), default: 'high' },
      'default: expected one of U, L, M, N, R, V (HL7 v3 Confidentiality), got "high"',
    ],
    ['rules that are not a list', { ...doc(), rules: {} }, 'rules: expected array, got {}'],
    [
      'a rule without a label',
      rule({ label: undefined }),
      'rules[1] "obs-values".label: is missing',
    ],
    [
      'a rule with a bad label',
      rule({ label: 'X' }),
      'rules[1] "obs-values".label: expected one of U, L, M, N, R, V',
    ],
    [
      'a misspelt field in a rule',
      rule({ element: ['note'] }),
      'rules[1] "obs-values".element: unknown field (allowed: id, description, match, elements, label)',
    ],
    ['a rule without an id', rule({ id: undefined }), 'rules[1].id: is missing'],
    [
      'a rule id with spaces',
      rule({ id: 'obs values' }),
      'rules[1] "obs values".id: expected a rule id of letters',
    ],
    ['a duplicate rule id', rule({ id: 'obs' }), 'rules[1] "obs".id: duplicate rule id'],
    ['a rule without match', rule({ match: undefined }), 'rules[1] "obs-values".match: is missing'],
    [
      'an empty match',
      rule({ match: {} }),
      'rules[1] "obs-values".match: name at least one of resourceType, loinc, category',
    ],
    [
      'an unknown match criterion',
      rule({ match: { code: '8867-4' } }),
      'rules[1] "obs-values".match.code: unknown field (allowed: resourceType, loinc, category)',
    ],
    [
      'a malformed LOINC code',
      rule({ match: { loinc: '8867' } }),
      'rules[1] "obs-values".match.loinc: expected a LOINC code such as 8867-4, got "8867"',
    ],
    [
      'a LOINC code with a wrong check digit',
      rule({ match: { loinc: '8867-5' } }),
      'rules[1] "obs-values".match.loinc: "8867-5" fails the LOINC check digit',
    ],
    [
      'a lower-case resource type',
      rule({ match: { resourceType: 'observation' } }),
      'rules[1] "obs-values".match.resourceType: expected a FHIR resource type, got "observation"',
    ],
    [
      'a category with spaces',
      rule({ match: { category: 'vital signs' } }),
      'rules[1] "obs-values".match.category: expected a category code such as vital-signs',
    ],
    [
      'an empty element list',
      rule({ elements: [] }),
      'rules[1] "obs-values".elements: expected a non-empty list of element paths, got []',
    ],
    [
      'an element named by its JSON name',
      rule({ elements: ['note', '_valueString'] }),
      'rules[1] "obs-values".elements[1]: expected FHIR element names joined by dots',
    ],
    [
      'a malformed element path',
      rule({ elements: ['component..code'] }),
      'rules[1] "obs-values".elements[0]: expected FHIR element names joined by dots',
    ],
    [
      'an element path on the stub',
      rule({ elements: ['note', 'id'] }),
      `rules[1] "obs-values".elements[1]: "id" always carries the resource's own label`,
    ],
  ];
  it.each(cases)('%s', (_name, json, message) => {
    expect(failure(json)).toContain(message);
  });

  it('reports every problem at once', () => {
    const message = failure({ ...rule({ label: 'X' }), default: 'Z', extra: 1 });
    expect(message).toContain('extra: unknown field');
    expect(message).toContain('default: expected one of');
    expect(message).toContain('rules[1] "obs-values".label: expected one of');
  });

  it('reports a missing field once', () => {
    expect(failure(rule({ label: undefined })).match(/label/g)).toHaveLength(1);
  });
});
