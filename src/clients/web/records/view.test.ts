import { describe, expect, it } from 'vitest';
import type { SealedVersion } from '../../../protocol/envelope.js';
import { ageOf, recordView } from './view.js';

const sealed: SealedVersion = {
  v: 1,
  typ: 'tutela.version',
  pt: 'pt-1',
  rl: 'L',
  cl: 'medium',
  epoch: 1,
  src: 'gw-1:3',
  at: '2026-12-03T09:00:00.000Z',
  iv: 'AAAA',
  ct: 'AAAA',
};
const MASK = {
  extension: [
    {
      url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason',
      valueCode: 'masked',
    },
  ],
};
const news2 = (value: unknown, status = 'final') => ({
  resourceType: 'Observation',
  status,
  code: {
    coding: [{ system: 'http://snomed.info/sct', code: '1104051000000101', display: 'NEWS2' }],
  },
  ...(value === 'masked'
    ? { _valueQuantity: MASK }
    : { valueQuantity: { value, code: '{score}' } }),
});
const spo2 = (masked: boolean) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'Oxygen saturation' },
  ...(masked ? { _valueQuantity: MASK } : { valueQuantity: { value: 97, unit: '%' } }),
});

describe('a decrypted version as the web app shows it', () => {
  it('marks masked values as withheld and pulls the NEWS2 score out', () => {
    const v = recordView(sealed, {
      resourceType: 'Bundle',
      entry: [{ resource: spo2(true) }, { resource: news2('masked') }, {}],
    });
    expect(v.rows).toEqual([
      { name: 'Oxygen saturation', value: 'withheld', withheld: true },
      { name: 'Entry', value: 'withheld', withheld: true },
    ]);
    expect(v.news2).toEqual({ value: 'withheld', partial: false, withheld: true });
  });

  it('shows values and a partial score as partial', () => {
    const v = recordView(sealed, {
      entry: [{ resource: spo2(false) }, { resource: news2(6, 'preliminary') }],
    });
    expect(v.rows).toEqual([{ name: 'Oxygen saturation', value: '97 %', withheld: false }]);
    expect(v.news2).toEqual({ value: '6', partial: true, withheld: false });
  });

  it('gives ages a person reads at a glance', () => {
    const t = Date.parse(sealed.at);
    expect(ageOf(sealed.at, t + 12_400)).toBe('12 s ago');
    expect(ageOf(t, t + 3 * 60_000 + 5)).toBe('3 min ago');
    expect(ageOf(t, t + 5 * 3_600_000)).toBe('5 h ago');
    expect(ageOf(t, t + 3 * 86_400_000)).toBe('3 d ago');
    expect(ageOf(t, t - 5000)).toBe('0 s ago');
    expect(ageOf(t + 24 * 3_600_000, t)).toBe('in 24 h');
    expect(ageOf(t + 90_000, t)).toBe('in 1 min');
    expect(ageOf('not a time', t)).toBe('unknown time');
  });
});
