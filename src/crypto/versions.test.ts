import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openVersion, sealVersion, type VersionHeader } from './versions.js';
import type { SealedVersion } from '../protocol/envelope.js';

const header: VersionHeader = {
  pt: 'pt-1',
  rl: 'N',
  cl: 'low',
  epoch: 1,
  src: 'gw1:4',
  at: '2026-11-22T10:00:00.000Z',
};
const body = {
  resourceType: 'Bundle',
  entry: [{ resource: { resourceType: 'Observation', valueQuantity: { value: 97 } } }],
};

function flipEach(field: string): string[] {
  const bytes = Buffer.from(field, 'base64url');
  return [...bytes.keys()].map((i) => {
    const b = Buffer.from(bytes);
    b[i] = b[i]! ^ 0x80;
    return b.toString('base64url');
  });
}

describe('sealed versions', () => {
  const key = new Uint8Array(randomBytes(32));

  it('round-trips with the data key and shows nothing in clear', () => {
    const sealed = sealVersion(key, header, body);
    // Not '97' alone: base64url ciphertext holds those two characters by chance now and then.
    const text = JSON.stringify(sealed);
    expect(text).not.toContain('Observation');
    expect(text).not.toContain('valueQuantity');
    expect(Buffer.from(sealed.ct, 'base64url').includes('"value":97')).toBe(false);
    expect(openVersion(key, sealed)).toEqual(body);
  });

  it('rejects every single-byte change, any relabelling and another key', () => {
    const sealed = sealVersion(key, header, body);
    const variants: SealedVersion[] = [
      ...flipEach(sealed.iv).map((iv) => ({ ...sealed, iv })),
      ...flipEach(sealed.ct).map((ct) => ({ ...sealed, ct })),
      { ...sealed, rl: 'R' },
      { ...sealed, cl: 'high' },
      { ...sealed, pt: 'pt-2' },
      { ...sealed, epoch: 2 },
      { ...sealed, src: 'gw1:5' },
      { ...sealed, at: '2026-11-22T10:00:01.000Z' },
    ];
    for (const v of variants)
      expect(() => openVersion(key, v)).toThrow(
        expect.objectContaining({ code: 'aead_open_failed' }),
      );
    expect(() => openVersion(new Uint8Array(randomBytes(32)), sealed)).toThrow(
      expect.objectContaining({ code: 'aead_open_failed' }),
    );
  });
});
