import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { TutelaError } from '../core/errors.js';
import { fromBase64url, toBase64url } from './encoding.js';

describe('base64url', () => {
  it('round-trips every length from 0 to 40 bytes, and Buffers and views alike', () => {
    for (let n = 0; n <= 40; n++) {
      const bytes = randomBytes(n);
      const text = toBase64url(bytes);
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(fromBase64url(text)).toEqual(new Uint8Array(bytes));
    }
    const view = new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4);
    expect(toBase64url(view)).toBe('AQID');
  });

  it('gives a copy that owns its whole buffer', () => {
    const out = fromBase64url('AQID');
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(3);
  });

  it.each([
    ['padding', 'AQI='],
    ['standard base64 characters', 'a+b/'],
    ['white space', 'AQ ID'],
    ['a line break', 'AQID\n'],
    ['an impossible length', 'AQIDB'],
    ['non-zero trailing bits', 'AQJ'],
    ['non-zero trailing bits of one byte', 'AR'],
    ['a non-ASCII character', 'AQé'],
  ])('rejects %s', (_why, text) => {
    expect(() => fromBase64url(text)).toThrow(TutelaError);
    expect(() => fromBase64url(text)).toThrow(
      expect.objectContaining({ code: 'invalid_encoding' }),
    );
  });

  it('accepts the empty string as no bytes', () => {
    expect(fromBase64url('')).toEqual(new Uint8Array(0));
  });
});
