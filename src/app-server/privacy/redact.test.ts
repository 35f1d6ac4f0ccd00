import { describe, expect, it } from 'vitest';
import { CONFIDENTIALITY, type Confidentiality } from '../../protocol/levels.js';
import {
  confidentialityCoding,
  maskedElement,
  maskedExtension,
  maskedReason,
  redactedCoding,
  type FhirBundle,
} from './fhir.js';
import { label, type LabelledRecord } from './label.js';
import { redact, versions } from './redact.js';
import { defaultRuleSet, loadRuleSet, type RuleSetDocument } from './rules.js';
import { bloodPressure, heartRate, note, oxygenSaturation, position, wardTick } from './testing.js';

const record = label(wardTick(), defaultRuleSet());
const all = versions(record);

/** The resources of a version, in entry order. */
function resources(version: FhirBundle): any[] {
  return (version.entry ?? []).map((e) => e.resource);
}

function security(rl: Confidentiality, withheld: boolean) {
  return [confidentialityCoding(rl), ...(withheld ? [redactedCoding()] : [])];
}

function stub(r: { resourceType: string; id: string }, rl: Confidentiality) {
  return {
    resourceType: r.resourceType,
    id: r.id,
    meta: { security: security(rl, true) },
    extension: [maskedExtension()],
  };
}

/** A resource as it was, plus the version's labels. */
function intact(r: any, rl: Confidentiality, withheld = false) {
  return { ...r, meta: { ...r.meta, security: security(rl, withheld) } };
}

describe('redact, version by version, with the default rule set', () => {
  it('U: the envelope of the tick, every resource a stub', () => {
    const u = all.U;
    expect(u).toMatchObject({ resourceType: 'Bundle', id: 'tick-4411', type: 'collection' });
    expect(u.meta?.security).toEqual(security('U', true));
    expect(u.entry?.map((e) => e.fullUrl)).toEqual(wardTick().entry?.map((e) => e.fullUrl));
    expect(resources(u)).toEqual(
      [bloodPressure, oxygenSaturation, heartRate, position, note].map((r) => stub(r, 'U')),
    );
  });

  it('L (family): what was measured and when, never a result, a position or a text', () => {
    const [bp, spo2, hr, loc, msg] = resources(all.L);
    expect(bp).toEqual({
      resourceType: 'Observation',
      id: bloodPressure.id,
      meta: { profile: bloodPressure.meta.profile, security: security('L', true) },
      status: 'final',
      category: bloodPressure.category,
      code: bloodPressure.code,
      subject: bloodPressure.subject,
      effectiveDateTime: bloodPressure.effectiveDateTime,
      _issued: maskedElement(),
      device: maskedElement(),
      // One masked component, whatever the count, without its code (systolic?).
      component: [maskedElement()],
      interpretation: [maskedElement()],
    });
    expect(spo2.valueQuantity).toBeUndefined();
    expect(spo2.dataAbsentReason).toEqual(maskedReason());
    expect(spo2.note).toEqual([maskedElement()]);
    // A device's own reason ("error") looks exactly like a withheld value.
    expect(hr.dataAbsentReason).toEqual(spo2.dataAbsentReason);
    expect(loc).toEqual(stub(position, 'L'));
    expect(msg).toEqual({
      resourceType: 'Communication',
      id: note.id,
      meta: { security: security('L', true) },
      status: 'completed',
      subject: note.subject,
      sent: note.sent,
      payload: [maskedElement()],
    });
  });

  it('L: nothing withheld can be read back from the JSON', () => {
    const text = JSON.stringify(all.L);
    for (const secret of ['182', '111', 'mmHg', 'mm[Hg]', '8480-6', '8462-4', 'Systolic', '"H"']) {
      expect(text).not.toContain(secret);
    }
    for (const secret of [
      '91',
      '"%"',
      'Probe',
      '"error"',
      'cuff-1',
      '48.8566',
      '2.3522',
      'dizzy',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('M (insurer): adds which device and when it was issued, still no result', () => {
    const [bp] = resources(all.M);
    expect(bp.device).toEqual(bloodPressure.device);
    expect(bp.issued).toBe(bloodPressure.issued);
    expect(bp._issued).toBeUndefined();
    expect(bp.component).toEqual([maskedElement()]);
    expect(bp.meta.security).toEqual(security('M', true));
  });

  it('N (nurse): every vital sign, not the free text nor the position', () => {
    const [bp, spo2, hr, loc, msg] = resources(all.N);
    expect(bp).toEqual(intact(bloodPressure, 'N'));
    expect(spo2).toEqual({ ...intact(oxygenSaturation, 'N', true), note: [maskedElement()] });
    expect(hr).toEqual(intact(heartRate, 'N'));
    expect(loc).toEqual(stub(position, 'N'));
    expect(msg.payload).toEqual([maskedElement()]);
    expect(all.N.meta?.security).toEqual(security('N', true));
  });

  it.each(['R', 'V'] as const)('%s (doctor, patient): the whole record', (rl) => {
    const version = all[rl];
    expect(resources(version)).toEqual(
      [bloodPressure, oxygenSaturation, heartRate, position, note].map((r) => intact(r, rl)),
    );
    expect(version.meta?.security).toEqual(security(rl, false));
  });

  it('versions() gives one version per RL, each equal to redact()', () => {
    expect(Object.keys(all)).toEqual([...CONFIDENTIALITY]);
    for (const rl of CONFIDENTIALITY) expect(all[rl]).toEqual(redact(record, rl));
  });
});

describe('redact', () => {
  const rules = (extra: RuleSetDocument['rules']) =>
    loadRuleSet({
      formatVersion: 1,
      version: 't',
      default: 'R',
      rules: [
        { id: 'bundle', match: { resourceType: 'Bundle' }, label: 'U' },
        { id: 'env', match: { resourceType: 'Bundle' }, elements: ['type', 'entry'], label: 'U' },
        ...extra,
      ],
    });
  const bundleOf = (resource: object): FhirBundle => ({
    resourceType: 'Bundle',
    type: 'collection',
    entry: [{ resource: structuredClone(resource) as FhirBundle }],
  });

  it('never modifies the record and shares no object with it', () => {
    const before = structuredClone(record.bundle);
    const version = redact(record, 'N');
    expect(record.bundle).toEqual(before);
    resources(version)[0].component[0].valueQuantity.value = 0;
    expect(record.bundle).toEqual(before);
  });

  it('masks primitives through their _x form, lists of them as one item', () => {
    const patient = {
      resourceType: 'Patient',
      id: 'p',
      name: [{ family: 'Durand', given: ['Anne', 'Marie'], _given: [null, { id: 'g2' }] }],
      birthDate: '1941-02-03',
    };
    const r = label(
      bundleOf(patient),
      rules([
        { id: 'patient', match: { resourceType: 'Patient' }, label: 'L' },
        { id: 'name', match: { resourceType: 'Patient' }, elements: ['name'], label: 'L' },
        {
          id: 'parts',
          match: { resourceType: 'Patient' },
          elements: ['name.family', 'name.given'],
          label: 'N',
        },
      ]),
    );
    const [p] = resources(redact(r, 'M'));
    expect(p.name).toEqual([{ _family: maskedElement(), _given: [maskedElement()] }]);
    expect(p.birthDate).toBeUndefined();
    expect(p._birthDate).toEqual(maskedElement());
  });

  it('masks extensions with the data-absent-reason extension itself', () => {
    const obs = {
      ...heartRate,
      extension: [{ url: 'http://example.org/a', valueString: 'secret' }],
      modifierExtension: [{ url: 'http://example.org/m', valueBoolean: true }],
    };
    const r = label(
      bundleOf(obs),
      rules([{ id: 'o', match: { resourceType: 'Observation' }, label: 'L' }]),
    );
    const [o] = resources(redact(r, 'L'));
    expect(o.extension).toEqual([maskedExtension()]);
    expect(o.modifierExtension).toEqual([maskedExtension()]);
  });

  it('masks a value inside a component with the component dataAbsentReason', () => {
    const r = label(
      bundleOf(bloodPressure),
      rules([
        { id: 'o', match: { resourceType: 'Observation' }, label: 'L' },
        { id: 'c', match: { resourceType: 'Observation' }, elements: ['component'], label: 'L' },
        {
          id: 'v',
          match: { resourceType: 'Observation' },
          elements: ['component.value[x]'],
          label: 'N',
        },
      ]),
    );
    const [bp] = resources(redact(r, 'M'));
    expect(bp.component).toEqual(
      bloodPressure.component.map((c) => ({ code: c.code, dataAbsentReason: maskedReason() })),
    );
  });

  it('keeps other security labels and replaces an earlier confidentiality code', () => {
    const purpose = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' };
    const obs = {
      ...heartRate,
      meta: { security: [purpose, confidentialityCoding('V'), redactedCoding()] },
    };
    const r = label(
      bundleOf(obs),
      rules([
        { id: 'o', match: { resourceType: 'Observation' }, label: 'L' },
        { id: 'm', match: { resourceType: 'Observation' }, elements: ['meta'], label: 'L' },
      ]),
    );
    expect(resources(redact(r, 'R'))[0].meta.security).toEqual([purpose, ...security('R', false)]);
  });

  it('makes a stub of a bundle above the RL (no extension on a Bundle)', () => {
    const r = label(
      bundleOf(heartRate),
      rules([{ id: 'b', match: { resourceType: 'Bundle' }, label: 'N' }]),
    );
    expect(redact(r, 'M')).toEqual({
      resourceType: 'Bundle',
      meta: { security: security('M', true) },
    });
  });

  describe('on labels that label() never makes (a labeller that labels items apart)', () => {
    const open = (resource: object) =>
      label(
        bundleOf(resource),
        loadRuleSet({ formatVersion: 1, version: 't', default: 'U', rules: [] }),
      );
    const relabel = (r: LabelledRecord, changes: [string, Confidentiality][]): LabelledRecord => ({
      ...r,
      labels: new Map([...r.labels, ...changes]),
    });

    it('masks a whole array when one item is above the RL, hiding the count', () => {
      const r = relabel(open(bloodPressure), [['entry[0].resource.component[1]', 'N']]);
      const [bp] = resources(redact(r, 'M'));
      expect(bp.component).toEqual([maskedElement()]);
      expect(JSON.stringify(bp)).not.toContain('8462-4');
    });

    it('masks `_x` whenever x is masked', () => {
      const patient = {
        resourceType: 'Patient',
        id: 'p',
        gender: 'female',
        _gender: { id: 'g-7' },
      };
      const r = relabel(open(patient), [['entry[0].resource.gender', 'N']]);
      const [p] = resources(redact(r, 'M'));
      expect(p.gender).toBeUndefined();
      expect(p._gender).toEqual(maskedElement());
    });
  });

  it('refuses an element without a label', () => {
    const forged: LabelledRecord = { ...record, labels: new Map([['', 'U']]) };
    expect(() => redact(forged, 'V')).toThrow(
      expect.objectContaining({ code: 'unlabelled_element' }),
    );
  });
});

describe('a "__proto__" key from JSON', () => {
  it('stays an own data property of the version, never its prototype', () => {
    const bundle = JSON.parse(
      JSON.stringify(wardTick()).replace(
        '"status":"final"',
        '"__proto__":{"polluted":1},"status":"final"',
      ),
    ) as FhirBundle;
    const v = redact(label(bundle, defaultRuleSet()), 'V');
    const first = resources(v)[0];
    expect(Object.getPrototypeOf(first)).toBe(Object.prototype);
    expect(Object.hasOwn(first, '__proto__')).toBe(true);
    expect(first.polluted).toBeUndefined();
    expect(JSON.parse(JSON.stringify(v)).entry[0].resource['__proto__']).toEqual({ polluted: 1 });
  });
});
