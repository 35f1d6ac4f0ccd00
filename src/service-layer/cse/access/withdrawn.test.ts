import { describe, expect, it } from 'vitest';
import { withdrawnOriginators } from './withdrawn.js';

const pv = (...rules: Array<[string[], number]>) => ({
  acr: rules.map(([acor, acop]) => ({ acor, acop })),
});

describe('withdrawnOriginators', () => {
  it('names the originators a policy update no longer admits', () => {
    expect(
      withdrawnOriginators(
        pv([['Capp'], 63], [['Cdoc', 'Cnur'], 50]),
        pv([['Capp'], 63], [['Cdoc'], 50]),
      ),
    ).toEqual(['Cnur']);
    expect(withdrawnOriginators(pv([['Cnur'], 50]), undefined)).toEqual(['Cnur']);
    expect(withdrawnOriginators(pv([['Cnur'], 50]), pv([['Cnur'], 0]))).toEqual(['Cnur']);
  });

  it('keeps who is still admitted, also by a wildcard, and never names a wildcard', () => {
    expect(withdrawnOriginators(pv([['Cnur'], 50]), pv([['Cnur'], 2]))).toEqual([]);
    expect(withdrawnOriginators(pv([['Cnur'], 50]), pv([['C*'], 2]))).toEqual([]);
    expect(withdrawnOriginators(pv([['Cnur'], 50]), pv([['all'], 2]))).toEqual([]);
    expect(withdrawnOriginators(pv([['all', 'C*'], 50]), pv())).toEqual([]);
    expect(withdrawnOriginators(undefined, pv([['Cnur'], 50]))).toEqual([]);
  });
});
