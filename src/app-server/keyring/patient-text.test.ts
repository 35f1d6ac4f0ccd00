import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64url, toBase64url } from '../../crypto/encoding.js';
import { openPatientText, sealPatientText } from './patient-text.js';

/** A keyring of one patient's V keys per epoch; each call hands out a copy (the caller wipes it). */
function keyring() {
  const keys = new Map<number, Buffer>([[1, randomBytes(32)]]);
  return {
    keys,
    dataKey: async (_pt: string, _rl: 'V') => ({ key: Buffer.from(keys.get(1)!), epoch: 1 }),
    dataKeyAt: async (_pt: string, _rl: 'V', epoch: number) => {
      const k = keys.get(epoch);
      if (!k) throw new Error('patient_shredded');
      return { key: Buffer.from(k) };
    },
  };
}

describe('a text about a patient, sealed at rest', () => {
  it('opens only in its own context, untouched, while the patient key lives', async () => {
    const k = keyring();
    const s = await sealPatientText(k as never, 'pt-1', 'tutela/alert/v1|pt-1|al-1', 'NEWS2 7');
    expect(s.epoch).toBe(1);
    expect(Buffer.from(fromBase64url(s.sealed)).toString('utf8')).not.toContain('NEWS2');
    await expect(openPatientText(k as never, 'pt-1', 'tutela/alert/v1|pt-1|al-1', s)).resolves.toBe(
      'NEWS2 7',
    );
    // Moved to another alert or patient: the AAD no longer matches.
    await expect(
      openPatientText(k as never, 'pt-1', 'tutela/alert/v1|pt-1|al-2', s),
    ).rejects.toThrow();
    // One byte changed.
    const bytes = Buffer.from(fromBase64url(s.sealed));
    bytes[bytes.length - 1]! ^= 1;
    await expect(
      openPatientText(k as never, 'pt-1', 'tutela/alert/v1|pt-1|al-1', {
        ...s,
        sealed: toBase64url(bytes),
      }),
    ).rejects.toThrow();
    // Erased: the key is gone, so is the text.
    k.keys.clear();
    await expect(
      openPatientText(k as never, 'pt-1', 'tutela/alert/v1|pt-1|al-1', s),
    ).rejects.toThrow('patient_shredded');
  });
});
