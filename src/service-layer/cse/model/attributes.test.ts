import { describe, expect, it } from 'vitest';
import { TutelaError } from '../../../core/errors.js';
import { validateAttributes } from './attributes.js';
import { Ty } from './types.js';

const problem = (fn: () => void): { rsc: number; message: string } | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (!(err instanceof TutelaError)) throw err;
    return { rsc: err.rsc, message: err.message };
  }
};

describe('attribute validation', () => {
  it('accepts well-formed resources of every type', () => {
    expect(
      problem(() =>
        validateAttributes(Ty.AE, 'create', {
          api: 'Ngw',
          rr: true,
          srv: ['3'],
          poa: ['http://127.0.0.1:1/n'],
        }),
      ),
    ).toBeUndefined();
    expect(
      problem(() =>
        validateAttributes(Ty.CNT, 'create', {
          rn: 'vitals',
          mni: 10,
          mbs: 1000,
          mia: 60,
          lbl: ['rl:N'],
        }),
      ),
    ).toBeUndefined();
    expect(
      problem(() =>
        validateAttributes(Ty.CIN, 'create', {
          con: 'sealed',
          cnf: 'application/octet-stream:0',
          cr: null,
        }),
      ),
    ).toBeUndefined();
    expect(
      problem(() =>
        validateAttributes(Ty.SUB, 'create', {
          nu: ['CNurse'],
          enc: { net: [3] },
          nct: 1,
          nec: 2,
          bn: { num: 5, dur: 'PT2S' },
          exc: 3,
        }),
      ),
    ).toBeUndefined();
    expect(
      problem(() =>
        validateAttributes(Ty.ACP, 'create', {
          pv: { acr: [{ acor: ['all'], acop: 2 }] },
          pvs: { acr: [] },
        }),
      ),
    ).toBeUndefined();
    expect(
      problem(() => validateAttributes(Ty.CNT, 'update', { mni: null, lbl: ['x'] })),
    ).toBeUndefined();
  });

  it.each([
    [Ty.CNT, 'create', { bogus: 1 }, /"bogus" is not defined for m2m:cnt/],
    [Ty.CNT, 'create', { ri: 'x' }, /"ri" of m2m:cnt cannot be set on create/],
    [Ty.CNT, 'update', { rn: 'renamed' }, /"rn" of m2m:cnt cannot be set on update/],
    [Ty.CIN, 'create', { cnf: 'text/plain' }, /mandatory attribute "con"/],
    [Ty.AE, 'create', { api: 'gateway', rr: true, srv: ['3'] }, /"api"/],
    [Ty.AE, 'create', { api: 'Ngw', rr: true, srv: ['1'] }, /"srv"/],
    [
      Ty.AE,
      'create',
      { api: 'Ngw', rr: true, srv: ['3'], poa: ['ftp://x'] },
      /neither an http\(s\) URL nor an AE-ID/,
    ],
    [Ty.CNT, 'create', { mni: -1 }, /"mni"/],
    [Ty.CNT, 'create', { et: '2026-01-01' }, /"et".*timestamp/],
    [Ty.SUB, 'create', { nu: [] }, /"nu"/],
    [Ty.SUB, 'create', { nu: ['CX'], bn: {} }, /needs num, dur or both/],
    [Ty.SUB, 'create', { nu: ['CX'], bn: { dur: '5 seconds' } }, /ISO 8601 duration/],
    [Ty.SUB, 'create', { nu: ['CX'], enc: { net: [9] } }, /"enc"/],
    [Ty.ACP, 'create', { pv: { acr: [{ acor: ['all'], acop: 64 }] }, pvs: { acr: [] } }, /"pv"/],
    [Ty.CSEBASE, 'update', { poa: [] }, /cannot be set on update/],
  ] as const)('refuses %s %s %j', (ty, op, attrs, message) => {
    const p = problem(() => validateAttributes(ty, op, attrs as Record<string, unknown>));
    expect(p?.rsc).toBe(4000);
    expect(p?.message).toMatch(message);
  });
});
