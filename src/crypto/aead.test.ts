import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { IV_BYTES, TAG_BYTES, open, seal } from './aead.js';

const text = new TextEncoder();
const key = new Uint8Array(randomBytes(32));
const aad = text.encode('tutela.version.v1\npt-1\nN\n1');

/** Copies of `bytes`, each with one byte changed (every position). */
function eachByteChanged(bytes: Uint8Array): Uint8Array[] {
  return [...bytes.keys()].map((i) => {
    const b = new Uint8Array(bytes);
    b[i] = b[i]! ^ 0x80;
    return b;
  });
}

const failure = expect.objectContaining({ code: 'aead_open_failed' });

describe('AES-256-GCM seal/open', () => {
  it('round-trips, with a fresh 96-bit IV and a 128-bit tag per seal', () => {
    const plaintext = text.encode('{"hr":72,"spo2":97}');
    const a = seal(key, plaintext, aad);
    const b = seal(key, plaintext, aad);
    expect(a.iv).toHaveLength(IV_BYTES);
    expect(a.ct).toHaveLength(plaintext.length + TAG_BYTES);
    expect(a.iv).not.toEqual(b.iv);
    expect(a.ct).not.toEqual(b.ct);
    expect(open(key, a.iv, a.ct, aad)).toEqual(plaintext);
    expect(open(key, b.iv, b.ct, aad)).toEqual(plaintext);
  });

  it('seals and opens an empty plaintext (the tag alone)', () => {
    const sealed = seal(key, new Uint8Array(0), aad);
    expect(sealed.ct).toHaveLength(TAG_BYTES);
    expect(open(key, sealed.iv, sealed.ct, aad)).toEqual(new Uint8Array(0));
    expect(() => open(key, sealed.iv, sealed.ct, text.encode('other'))).toThrow(failure);
  });

  it('rejects every single-byte change of the IV, the ciphertext, the tag and the AAD', () => {
    const { iv, ct } = seal(key, text.encode('hr 72'), aad);
    let tried = 0;
    for (const bad of eachByteChanged(iv)) {
      expect(() => open(key, bad, ct, aad)).toThrow(failure);
      tried++;
    }
    // ct includes the tag: its last 16 bytes.
    for (const bad of eachByteChanged(ct)) {
      expect(() => open(key, iv, bad, aad)).toThrow(failure);
      tried++;
    }
    for (const bad of eachByteChanged(aad)) {
      expect(() => open(key, iv, ct, bad)).toThrow(failure);
      tried++;
    }
    expect(tried).toBe(IV_BYTES + 5 + TAG_BYTES + aad.length);
    expect(open(key, iv, ct, aad)).toEqual(text.encode('hr 72'));
  });

  it('rejects a wrong key, a missing or extra AAD, and truncated or extended input', () => {
    const { iv, ct } = seal(key, text.encode('hr 72'), aad);
    expect(() => open(new Uint8Array(randomBytes(32)), iv, ct, aad)).toThrow(failure);
    expect(() => open(key, iv, ct, new Uint8Array(0))).toThrow(failure);
    expect(() => open(key, iv, ct, new Uint8Array([...aad, 0]))).toThrow(failure);
    for (let n = 0; n < ct.length; n++)
      expect(() => open(key, iv, ct.subarray(0, n), aad)).toThrow(failure);
    expect(() => open(key, iv, new Uint8Array([...ct, 0]), aad)).toThrow(failure);
    expect(() => open(key, iv.subarray(0, 11), ct, aad)).toThrow(failure);
    expect(() => open(key, new Uint8Array([...iv, 0]), ct, aad)).toThrow(failure);
  });

  it('refuses keys that are not 32 bytes', () => {
    for (const n of [0, 16, 24, 31, 33]) {
      const bad = new Uint8Array(n);
      expect(() => seal(bad, new Uint8Array(1), aad)).toThrow(
        expect.objectContaining({ code: 'invalid_key' }),
      );
      expect(() => open(bad, new Uint8Array(IV_BYTES), new Uint8Array(TAG_BYTES), aad)).toThrow(
        expect.objectContaining({ code: 'invalid_key' }),
      );
    }
  });

  it('returns arrays that own their buffers', () => {
    const { iv, ct } = seal(key, text.encode('x'), aad);
    const pt = open(key, iv, ct, aad);
    for (const a of [iv, ct, pt]) expect(a.buffer.byteLength).toBe(a.length);
  });
});
