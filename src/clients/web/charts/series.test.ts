import { describe, expect, it } from 'vitest';
import type { SealedVersion } from '../../../protocol/envelope.js';
import { vitalPoint } from './series.js';

const sealed: SealedVersion = {
  v: 1,
  typ: 'tutela.version',
  pt: 'pt-0001',
  rl: 'R',
  cl: 'low',
  epoch: 1,
  src: 'gw-1:42',
  at: '2026-12-03T09:00:00.000Z',
  iv: 'AAAA',
  ct: 'AAAA',
};
const loinc = (code: string) => ({ coding: [{ system: 'http://loinc.org', code }] });
const MASK_EXT = {
  extension: [
    { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'masked' },
  ],
};
const MASKED_REASON = {
  coding: [
    {
      system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
      code: 'masked',
      display: 'Masked',
    },
  ],
};
const ERROR_REASON = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'error' }],
  text: 'Flagged by the device as a measurement artefact',
};
const obs = (code: string, rest: object) => ({
  resource: { resourceType: 'Observation', status: 'final', code: loinc(code), ...rest },
});
const qty = (value: number) => ({ valueQuantity: { value, unit: 'x' } });
const bp = (sys: number, dia: number) => ({
  component: [
    { code: loinc('8480-6'), valueQuantity: { value: sys } },
    { code: loinc('8462-4'), valueQuantity: { value: dia } },
  ],
});
const bundle = (...entry: unknown[]) => ({ resourceType: 'Bundle', entry });

describe('vital signs of a decrypted version, as points to chart', () => {
  it('reads every charted sign by its LOINC code, systolic from the panel, ACVPU by SNOMED', () => {
    const p = vitalPoint(
      sealed,
      bundle(
        obs('9279-1', qty(18)),
        obs('2708-6', qty(96)),
        obs('85354-9', bp(124, 71)),
        obs('8867-4', qty(88)),
        obs('8310-5', qty(37.2)),
        obs('67775-7', {
          valueCodeableConcept: { coding: [{ code: '130987000' }], text: 'New confusion' },
        }),
        obs('3151-8', qty(2)), // oxygen flow: not charted
        { resource: { resourceType: 'Location' } },
      ),
    );
    expect(p).toEqual({
      t: Date.parse(sealed.at),
      src: 'gw-1:42',
      signs: { respiratoryRate: 18, spo2: 96, systolicBP: 124, pulse: 88, temperature: 37.2 },
      consciousness: 'C',
    });
  });

  it('an artefact or implausible value is a gap (null), not a zero', () => {
    const p = vitalPoint(
      sealed,
      bundle(
        obs('8867-4', { dataAbsentReason: ERROR_REASON }),
        obs('85354-9', {
          dataAbsentReason: ERROR_REASON,
          component: [
            { code: loinc('8480-6'), dataAbsentReason: ERROR_REASON },
            { code: loinc('8462-4'), dataAbsentReason: ERROR_REASON },
          ],
        }),
        obs('67775-7', { dataAbsentReason: ERROR_REASON }),
      ),
    );
    expect(p.signs).toEqual({ pulse: null, systolicBP: null });
    expect(p.consciousness).toBeNull();
  });

  it('a value masked at the reader’s level is withheld, in each form the redaction engine writes', () => {
    const p = vitalPoint(
      sealed,
      bundle(
        obs('2708-6', { dataAbsentReason: MASKED_REASON, note: [MASK_EXT] }),
        obs('8867-4', { _valueQuantity: MASK_EXT }),
        obs('85354-9', { component: [MASK_EXT] }),
        obs('67775-7', { valueCodeableConcept: MASK_EXT }),
        obs('8310-5', { valueQuantity: MASK_EXT }),
      ),
    );
    expect(p.signs).toEqual({
      spo2: 'withheld',
      pulse: 'withheld',
      systolicBP: 'withheld',
      temperature: 'withheld',
    });
    expect(p.consciousness).toBe('withheld');
  });

  it('skips what cannot be told apart: stubs, masked codes, other codings, no bundle', () => {
    const p = vitalPoint(
      sealed,
      bundle(
        { resource: { resourceType: 'Observation', ...MASK_EXT } },
        { resource: { resourceType: 'Observation', code: MASK_EXT, ...qty(50) } },
        {
          resource: {
            resourceType: 'Observation',
            code: { coding: [{ system: 'http://snomed.info/sct', code: '8867-4' }] },
            ...qty(50),
          },
        },
        MASK_EXT,
      ),
    );
    expect(p.signs).toEqual({});
    expect(p.consciousness).toBeUndefined();
    expect(vitalPoint(sealed, 'not a bundle').signs).toEqual({});
  });
});
