import { describe, expect, it } from 'vitest';
import type { Reading, ReadingBatch } from '../../protocol/reading.js';
import { toFhirBundle } from './fhir.js';
import type { Bundle, BundleResource, Communication, Location, Observation } from './fhir-r4.js';
import { assessNews2 } from './news2.js';

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const DAR = 'http://terminology.hl7.org/CodeSystem/data-absent-reason';
const SD = 'http://hl7.org/fhir/StructureDefinition/';
const VITAL_SIGNS_PROFILES = ['vitalsigns', 'oxygensat', 'heartrate', 'resprate', 'bodytemp', 'bp'];
const FHIR_ID = /^[A-Za-z0-9.-]{1,64}$/;

const AT = '2025-03-01T10:00:00+01:00';
const r = { device: 'oximeter-1', at: AT };

const READINGS: Reading[] = [
  { ...r, metric: 'spo2', value: 95 },
  { ...r, metric: 'pulse', value: 88 },
  { ...r, device: 'chest-band', metric: 'respiratoryRate', value: 18 },
  { ...r, device: 'thermometer', metric: 'temperature', value: 37.4 },
  { ...r, device: 'cuff', metric: 'bloodPressure', systolic: 128, diastolic: 79 },
  { ...r, device: 'concentrator', metric: 'supplementalOxygen', on: true, flowLpm: 2 },
  { ...r, device: 'tablet', metric: 'consciousness', value: 'A' },
  { ...r, metric: 'deviceStatus', status: 'low-battery', battery: 9 },
];

function batch(over: Partial<ReadingBatch> = {}): ReadingBatch {
  return {
    v: 1,
    patient: 'pt-7f3a',
    gateway: 'gw-12',
    seq: 41,
    at: '2025-03-01T10:00:05+01:00',
    readings: READINGS,
    location: { lat: 48.8566, lon: 2.3522, accuracyM: 25 },
    note: 'Feeling short of breath since lunch',
    ...over,
  };
}

const observations = (b: Bundle) =>
  b.entry.map((e) => e.resource).filter((x): x is Observation => x.resourceType === 'Observation');
const observationOf = (reading: Reading) =>
  observations(toFhirBundle(batch({ readings: [reading] })))[0]!;
const codes = (o: Observation) => o.code.coding.map((c) => `${c.system}|${c.code}`);

/**
 * The required elements of the R4 vital-signs profile
 * (http://hl7.org/fhir/R4/observation-vitalsigns.html) and the Observation
 * invariants they lean on; returns what an Observation breaks.
 */
function vitalSignsViolations(o: Observation): string[] {
  const v: string[] = [];
  const statuses = ['registered', 'preliminary', 'final', 'amended', 'corrected'];
  const all = [...statuses, 'cancelled', 'entered-in-error', 'unknown'];
  if (!all.includes(o.status)) v.push('status');
  if (!o.meta?.profile.some((p) => VITAL_SIGNS_PROFILES.some((n) => p === SD + n)))
    v.push('meta.profile');
  const vsCat = o.category?.some((c) =>
    c.coding?.some((k) => k.system === CATEGORY && k.code === 'vital-signs'),
  );
  if (!vsCat) v.push('category VSCat');
  if (!o.code?.coding?.some((c) => c.system === LOINC && c.code)) v.push('code (LOINC)');
  if (!/^Patient\/[A-Za-z0-9.-]{1,64}$/.test(o.subject?.reference ?? '')) v.push('subject');
  // vs-1: a dateTime effective[x] is precise at least to the day.
  if (!/^\d{4}-\d{2}-\d{2}/.test(o.effectiveDateTime ?? '')) v.push('effective[x]');
  const hasValue = o.valueQuantity !== undefined || o.valueCodeableConcept !== undefined;
  // vs-2: no component (nor hasMember) → a value or a data absent reason.
  if (!o.component && !hasValue && !o.dataAbsentReason) v.push('vs-2');
  // obs-6: dataAbsentReason only when there is no value.
  if (hasValue && o.dataAbsentReason) v.push('obs-6');
  // vs-3: each component has a value or a data absent reason.
  for (const c of o.component ?? []) {
    if (!c.code?.coding?.some((k) => k.system === LOINC)) v.push('component.code');
    if (!c.valueQuantity && !c.dataAbsentReason) v.push('vs-3');
  }
  for (const q of [o.valueQuantity, ...(o.component ?? []).map((c) => c.valueQuantity)]) {
    if (q && (typeof q.value !== 'number' || q.system !== UCUM || !q.code)) v.push('UCUM');
  }
  return v;
}

describe('the vital-signs checker', () => {
  it('catches what the profile requires', () => {
    const ok = observationOf(READINGS[1]!);
    expect(vitalSignsViolations(ok)).toEqual([]);
    const broken: any = { ...ok, category: [], valueQuantity: undefined, subject: {} };
    expect(vitalSignsViolations(broken)).toEqual(['category VSCat', 'subject', 'vs-2']);
    const both: any = { ...ok, dataAbsentReason: { coding: [] }, effectiveDateTime: '2025' };
    expect(vitalSignsViolations(both)).toEqual(['effective[x]', 'obs-6']);
  });
});

describe('toFhirBundle', () => {
  const bundle = toFhirBundle(batch(), { news2: assessNews2(READINGS, { spo2Scale: 1 }) });

  it('is a collection bundle with one Observation per patient reading, device status left out', () => {
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection', id: 'gw-12-41' });
    const vitals = observations(bundle).filter((o) => o.id !== 'gw-12-41-news2');
    expect(vitals.map((o) => o.id)).toEqual([0, 1, 2, 3, 4, 5, 6].map((n) => `gw-12-41-${n}`));
    expect(JSON.stringify(bundle)).not.toContain('battery');
  });

  it('every vital-sign Observation meets the profile', () => {
    const vitals = observations(bundle).filter((o) => o.category[0]?.coding[0]?.code !== 'survey');
    expect(vitals).toHaveLength(7);
    for (const o of vitals) expect(vitalSignsViolations(o), o.id).toEqual([]);
  });

  it('ids are valid FHIR ids, unique, and the same every time', () => {
    const ids = bundle.entry.map((e) => e.resource.id);
    for (const id of [bundle.id, ...ids]) expect(id).toMatch(FHIR_ID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(toFhirBundle(batch(), { news2: assessNews2(READINGS, { spo2Scale: 1 }) })).toEqual(
      bundle,
    );
  });

  it('refers to the pseudonymous patient and to the gateway’s device, at the reading’s time', () => {
    for (const o of observations(bundle))
      expect(o.subject).toEqual({ reference: 'Patient/pt-7f3a' });
    const [spo2, , rr] = observations(bundle);
    expect(spo2!.device).toEqual({ reference: 'Device/gw-12.oximeter-1' });
    expect(rr!.device).toEqual({ reference: 'Device/gw-12.chest-band' });
    expect(spo2!.effectiveDateTime).toBe(AT);
  });

  it('turns ids FHIR cannot hold into valid, distinct, stable ones', () => {
    const odd = batch({ patient: 'pt_9:x', gateway: 'gw:1', note: undefined, location: undefined });
    const b = toFhirBundle(odd);
    const ids = b.entry.map((e) => e.resource.id);
    for (const id of [b.id, ...ids]) expect(id).toMatch(FHIR_ID);
    expect(new Set([b.id, ...ids]).size).toBe(ids.length + 1);
    const o = observations(b)[0]!;
    expect(o.subject.reference).toMatch(/^Patient\/h[0-9a-f]{32}$/);
    expect(o.device?.reference).toMatch(/^Device\/h[0-9a-f]{32}$/);
    expect(toFhirBundle(odd)).toEqual(b);
    const long = toFhirBundle(batch({ gateway: 'g'.repeat(60) }));
    for (const e of long.entry) expect(e.resource.id).toMatch(FHIR_ID);
  });

  it('gives each bundle its own resources, so editing one (redaction) leaves others alone', () => {
    const edited = toFhirBundle(batch());
    observations(edited)[0]!.code.coding[0]!.code = 'masked';
    expect(codes(observations(toFhirBundle(batch()))[0]!)[0]).toBe(`${LOINC}|2708-6`);
  });

  it('carries nothing identifying beyond the pseudonymous ids', () => {
    const keys = new Set<string>();
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) x.forEach(walk);
      else if (x && typeof x === 'object') {
        for (const [k, v] of Object.entries(x)) {
          keys.add(k);
          walk(v);
        }
      }
    };
    walk(bundle);
    for (const k of ['name', 'identifier', 'telecom', 'address', 'birthDate', 'gender'])
      expect(keys).not.toContain(k);
  });
});

describe('each metric', () => {
  it.each([
    [READINGS[0]!, 'oxygensat', ['2708-6', '59408-5'], 95, '%'],
    [READINGS[1]!, 'heartrate', ['8867-4'], 88, '/min'],
    [READINGS[2]!, 'resprate', ['9279-1'], 18, '/min'],
    [READINGS[3]!, 'bodytemp', ['8310-5'], 37.4, 'Cel'],
    [READINGS[5]!, 'vitalsigns', ['3151-8'], 2, 'L/min'],
  ])('%o maps to the %s profile, LOINC %o', (reading, profile, loinc, value, unit) => {
    const o = observationOf(reading);
    expect(o.meta?.profile).toEqual([SD + profile]);
    expect(codes(o)).toEqual(loinc.map((c) => `${LOINC}|${c}`));
    expect(o.valueQuantity).toMatchObject({ value, system: UCUM, code: unit });
    expect(o.status).toBe('final');
    expect(vitalSignsViolations(o)).toEqual([]);
  });

  it('blood pressure is a panel with systolic and diastolic components and no value of its own', () => {
    const o = observationOf(READINGS[4]!);
    expect(o.meta?.profile).toEqual([SD + 'bp']);
    expect(codes(o)).toEqual([`${LOINC}|85354-9`]);
    expect(o.valueQuantity).toBeUndefined();
    expect(o.dataAbsentReason).toBeUndefined();
    expect(o.component).toEqual([
      {
        code: expect.objectContaining({ coding: [expect.objectContaining({ code: '8480-6' })] }),
        valueQuantity: { value: 128, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
      },
      {
        code: expect.objectContaining({ coding: [expect.objectContaining({ code: '8462-4' })] }),
        valueQuantity: { value: 79, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
      },
    ]);
  });

  it('oxygen off is an inhaled flow of 0 L/min', () => {
    const o = observationOf({ ...r, metric: 'supplementalOxygen', on: false, flowLpm: 3 });
    expect(o.valueQuantity).toMatchObject({ value: 0, code: 'L/min' });
  });

  it.each([
    ['A', '248234008'],
    ['C', '130987000'],
    ['V', '300202002'],
    ['P', '450847001'],
    ['U', '422768004'],
  ] as const)('ACVPU %s is level of responsiveness answered with SNOMED CT %s', (level, answer) => {
    const o = observationOf({ ...r, metric: 'consciousness', value: level });
    expect(codes(o)).toEqual([`${LOINC}|67775-7`, `${SNOMED}|1104441000000107`]);
    expect(o.valueCodeableConcept?.coding).toEqual([
      expect.objectContaining({ system: SNOMED, code: answer }),
    ]);
    expect(vitalSignsViolations(o)).toEqual([]);
  });
});

describe('artefacts and impossible values', () => {
  it.each([
    ['flagged SpO2', { ...r, metric: 'spo2', value: 72, artefact: true }, '72 %', 'artefact'],
    ['SpO2 of 140 %', { ...r, metric: 'spo2', value: 140 }, '140 %', 'physiological'],
    [
      'flagged ACVPU',
      { ...r, metric: 'consciousness', value: 'U', artefact: true },
      'ACVPU U',
      'artefact',
    ],
    [
      'oxygen flow of -1',
      { ...r, metric: 'supplementalOxygen', on: true, flowLpm: -1 },
      '-1 L/min',
      'physiological',
    ],
  ] as [string, Reading, string, string][])(
    '%s keeps its Observation, without a value',
    (_w, reading, raw, why) => {
      const o = observationOf(reading);
      expect(o.valueQuantity).toBeUndefined();
      expect(o.valueCodeableConcept).toBeUndefined();
      expect(o.dataAbsentReason?.coding).toEqual([
        { system: DAR, code: 'error', display: 'Error' },
      ]);
      expect(o.dataAbsentReason?.text).toContain(why);
      expect(o.note?.[0]?.text).toMatch(new RegExp(`^Not a valid measurement.*${raw}`));
      expect(vitalSignsViolations(o)).toEqual([]);
    },
  );

  it('an unusable blood pressure gives each component a reason too', () => {
    const o = observationOf({ ...r, metric: 'bloodPressure', systolic: 80, diastolic: 95 });
    expect(o.dataAbsentReason?.coding[0]?.code).toBe('error');
    expect(o.component?.map((c) => [c.valueQuantity, c.dataAbsentReason?.coding[0]?.code])).toEqual(
      [
        [undefined, 'error'],
        [undefined, 'error'],
      ],
    );
    expect(o.note?.[0]?.text).toContain('80/95 mmHg');
    expect(vitalSignsViolations(o)).toEqual([]);
  });
});

describe('location, note and NEWS2', () => {
  const find = <T extends BundleResource>(b: Bundle, type: T['resourceType']) =>
    b.entry.map((e) => e.resource).filter((x): x is T => x.resourceType === type);

  it('the location becomes a Location at that position', () => {
    const [loc, ...more] = find<Location>(toFhirBundle(batch()), 'Location');
    expect(more).toEqual([]);
    expect(loc).toEqual({
      resourceType: 'Location',
      id: 'gw-12-41-location',
      status: 'active',
      mode: 'instance',
      description: 'Patient position reported by the gateway, accurate to 25 m',
      position: { latitude: 48.8566, longitude: 2.3522 },
    });
    const rough = find<Location>(
      toFhirBundle(batch({ location: { lat: -33.9, lon: 151.2 } })),
      'Location',
    );
    expect(rough[0]?.description).toBe('Patient position reported by the gateway');
  });

  it('the note becomes a Communication from the patient', () => {
    expect(find<Communication>(toFhirBundle(batch()), 'Communication')).toEqual([
      {
        resourceType: 'Communication',
        id: 'gw-12-41-note',
        status: 'completed',
        subject: { reference: 'Patient/pt-7f3a' },
        sender: { reference: 'Patient/pt-7f3a' },
        sent: '2025-03-01T10:00:05+01:00',
        payload: [{ contentString: 'Feeling short of breath since lunch' }],
      },
    ]);
  });

  it('no location or note, or a blank note: no Location or Communication', () => {
    for (const over of [
      { location: undefined, note: undefined },
      { location: undefined, note: '  ' },
    ]) {
      const types = toFhirBundle(batch(over)).entry.map((e) => e.resource.resourceType);
      expect(new Set(types)).toEqual(new Set(['Observation']));
    }
  });

  it('the NEWS2 score is a survey Observation derived from the observations it scored', () => {
    const b = toFhirBundle(batch(), { news2: assessNews2(READINGS, { spo2Scale: 1 }) });
    const news2 = observations(b).find((o) => o.id === 'gw-12-41-news2')!;
    // SpO2 95 → 1, oxygen → 2, pulse 88, RR 18, temperature 37.4, SBP 128, A → 0.
    expect(news2).toMatchObject({
      status: 'final',
      code: { coding: [{ system: SNOMED, code: '1104051000000101' }] },
      valueQuantity: { value: 3, system: UCUM, code: '{score}' },
      effectiveDateTime: '2025-03-01T10:00:05+01:00',
      subject: { reference: 'Patient/pt-7f3a' },
      category: [{ coding: [{ system: CATEGORY, code: 'survey' }] }],
    });
    expect(news2.meta).toBeUndefined();
    const ids = new Set(observations(b).map((o) => `Observation/${o.id}`));
    expect(news2.derivedFrom).toHaveLength(7);
    for (const ref of news2.derivedFrom ?? []) expect(ids).toContain(ref.reference);
    expect(news2.derivedFrom?.[0]?.reference).toBe('Observation/gw-12-41-2'); // respiration rate first
  });

  it('a partial NEWS2 score is preliminary and says what it lacks', () => {
    const readings = READINGS.slice(0, 2);
    const b = toFhirBundle(batch({ readings }), { news2: assessNews2(readings, { spo2Scale: 2 }) });
    const news2 = observations(b).find((o) => o.id === 'gw-12-41-news2')!;
    expect(news2.status).toBe('preliminary');
    expect(news2.note?.map((n) => n.text)).toEqual([
      'Scored with SpO2 scale 2.',
      'Partial score, a lower bound: no usable respiratoryRate, airOrOxygen, systolicBP, consciousness, temperature.',
    ]);
    expect(news2.derivedFrom).toEqual([
      { reference: 'Observation/gw-12-41-0' },
      { reference: 'Observation/gw-12-41-1' },
    ]);
  });

  it('no assessment given: no NEWS2 Observation', () => {
    expect(observations(toFhirBundle(batch())).map((o) => o.id)).not.toContain('gw-12-41-news2');
  });
});
