/**
 * The records whose labels and six versions are pinned byte for byte in
 * test/fixtures/privacy/golden.json (golden.test.ts): versions are sealed,
 * stored and parsed by clients, so a faster labeller or redactor must give
 * exactly the same output. The fixture was written once by `golden()` with
 * the labeller and redactor of commit 87fcd93; it is never rewritten to make
 * a change pass.
 */
import { assessNews2, toFhirBundle } from '../clinical/index.js';
import { CONFIDENTIALITY, type Confidentiality } from '../../protocol/levels.js';
import type { ReadingBatch } from '../../protocol/reading.js';
import type { FhirBundle } from './fhir.js';
import { label } from './label.js';
import { versions } from './redact.js';
import { defaultRuleSet, loadRuleSet, type RuleSet } from './rules.js';
import { wardTick } from './testing.js';

export interface GoldenRecord {
  readonly name: string;
  /** The labels in the order label() gives them, then the record's own. */
  readonly labels: readonly (readonly [string, Confidentiality])[];
  readonly label: Confidentiality;
  /** JSON.stringify of each version, U to V. */
  readonly versions: Readonly<Record<Confidentiality, string>>;
}

const AT = '2026-12-01T08:00:00.000Z';

/** A gateway tick as the demo ward sends it (bench/vitals.ts), normal or septic. */
function tick(seq: number, septic: boolean): FhirBundle {
  const v = septic
    ? { pulse: 135, rr: 27, spo2: 90, sbp: 88, temp: 39.4, acvpu: 'C' as const }
    : { pulse: 72, rr: 15, spo2: 97, sbp: 121, temp: 36.8, acvpu: 'A' as const };
  const batch: ReadingBatch = {
    v: 1,
    patient: 'pt-golden',
    gateway: 'gw-golden',
    seq,
    at: AT,
    readings: [
      { device: 'ox', metric: 'spo2', at: AT, value: v.spo2 },
      { device: 'ox', metric: 'pulse', at: AT, value: v.pulse },
      { device: 'ox', metric: 'supplementalOxygen', at: AT, on: septic, flowLpm: septic ? 2 : 0 },
      { device: 'rr', metric: 'respiratoryRate', at: AT, value: v.rr },
      { device: 'bp', metric: 'bloodPressure', at: AT, systolic: v.sbp, diastolic: 71 },
      { device: 'th', metric: 'temperature', at: AT, value: v.temp },
      { device: 'cv', metric: 'consciousness', at: AT, value: v.acvpu },
    ],
    location: { lat: 48.85, lon: 2.35, accuracyM: 20 },
    ...(septic ? {} : { note: 'felt dizzy after lunch' }),
  };
  return toFhirBundle(batch, { news2: assessNews2(batch.readings, { spo2Scale: 1 }) });
}

/** The ward tick with what JSON may bring: a `__proto__` key, `_x` extensions, modifiers. */
function oddTick(): FhirBundle {
  const json = JSON.stringify(wardTick())
    .replace('"status":"final"', '"__proto__":{"polluted":1},"status":"final"')
    .replace(
      '"effectiveDateTime":',
      '"_effectiveDateTime":{"id":"e1","extension":[{"url":"x","valueString":"tz"}]},"effectiveDateTime":',
    )
    .replace(
      '"status":"active"',
      '"status":"active","modifierExtension":[{"url":"m","valueBoolean":true}],"alias":["a","b"]',
    );
  return JSON.parse(json) as FhirBundle;
}

/** A rule set that puts masks deep inside shown elements, at every level. */
function deepRules(): RuleSet {
  return loadRuleSet({
    formatVersion: 1,
    version: 'golden-deep',
    default: 'M',
    rules: [
      { id: 'b', match: { resourceType: 'Bundle' }, label: 'U' },
      { id: 'be', match: { resourceType: 'Bundle' }, elements: ['type', 'entry'], label: 'L' },
      { id: 'o', match: { resourceType: 'Observation' }, label: 'L' },
      {
        id: 'o-code',
        match: { resourceType: 'Observation' },
        elements: ['code', 'status', 'meta'],
        label: 'U',
      },
      {
        id: 'o-display',
        match: { resourceType: 'Observation' },
        elements: ['code.coding.display', 'effective[x]'],
        label: 'R',
      },
      {
        id: 'bp-sys',
        match: { loinc: '85354-9' },
        elements: ['component.value[x]', 'component.code'],
        label: 'V',
      },
      { id: 'vs', match: { category: 'vital-signs' }, elements: ['value[x]'], label: 'N' },
      { id: 'loc', match: { resourceType: 'Location' }, label: 'L' },
      { id: 'loc-pos', match: { resourceType: 'Location' }, elements: ['position'], label: 'V' },
      { id: 'loc-mod', match: { resourceType: 'Location' }, elements: ['alias'], label: 'U' },
    ],
  });
}

function record(name: string, bundle: FhirBundle, rules: RuleSet): GoldenRecord {
  const labelled = label(bundle, rules);
  const six = versions(labelled);
  const out = {} as Record<Confidentiality, string>;
  for (const rl of CONFIDENTIALITY) out[rl] = JSON.stringify(six[rl]);
  return { name, labels: [...labelled.labels], label: labelled.label, versions: out };
}

/** Every pinned record, made with the code under test. */
export function golden(): GoldenRecord[] {
  return [
    record('normal tick with a note, default rules', tick(3, false), defaultRuleSet()),
    record('septic tick, default rules', tick(10, true), defaultRuleSet()),
    record('ward tick, default rules', wardTick(), defaultRuleSet()),
    record('odd ward tick, default rules', oddTick(), defaultRuleSet()),
    record('odd ward tick, deep rules', oddTick(), deepRules()),
    record('septic tick, deep rules', tick(10, true), deepRules()),
  ];
}
