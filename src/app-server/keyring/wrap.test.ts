import { describe, expect, it } from 'vitest';
import {
  kekId,
  newKey,
  unwrapDataKey,
  unwrapPatientKey,
  wrapDataKey,
  wrapPatientKey,
} from './wrap.js';

const unwrapFailed = expect.objectContaining({ code: 'key_unwrap_failed' });

describe('key wrapping', () => {
  it('binds a wrapped data key to its patient, RL and epoch', () => {
    const patientKey = newKey();
    const key = newKey();
    const wrapped = wrapDataKey(patientKey, 'pt-1', 'N', 3, key);
    expect(unwrapDataKey(patientKey, 'pt-1', 'N', 3, wrapped)).toEqual(key);
    expect(() => unwrapDataKey(patientKey, 'pt-2', 'N', 3, wrapped)).toThrow(unwrapFailed);
    expect(() => unwrapDataKey(patientKey, 'pt-1', 'R', 3, wrapped)).toThrow(unwrapFailed);
    expect(() => unwrapDataKey(patientKey, 'pt-1', 'N', 2, wrapped)).toThrow(unwrapFailed);
    expect(() => unwrapDataKey(newKey(), 'pt-1', 'N', 3, wrapped)).toThrow(unwrapFailed);
    // A wrapped data key is not a wrapped patient key, even under the same key.
    expect(() => unwrapPatientKey(patientKey, 'pt-1', wrapped)).toThrow(unwrapFailed);
  });

  it('binds a wrapped patient key to its patient and the master key', () => {
    const kek = newKey();
    const key = newKey();
    const wrapped = wrapPatientKey(kek, 'pt-1', key);
    expect(unwrapPatientKey(kek, 'pt-1', wrapped)).toEqual(key);
    expect(() => unwrapPatientKey(kek, 'pt-2', wrapped)).toThrow(unwrapFailed);
    expect(() => unwrapPatientKey(newKey(), 'pt-1', wrapped)).toThrow(unwrapFailed);
  });

  it('names a master key by a stable id that is not the key', () => {
    const kek = newKey();
    expect(kekId(kek)).toBe(kekId(new Uint8Array(kek)));
    expect(kekId(kek)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(kekId(kek)).not.toBe(kekId(newKey()));
    expect(Buffer.from(kekId(kek), 'base64url').toString('hex')).not.toContain(
      Buffer.from(kek).subarray(0, 4).toString('hex'),
    );
  });
});
