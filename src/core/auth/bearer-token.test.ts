import { describe, expect, it } from 'vitest';
import { bearerTokenOf } from './bearer-token.js';

describe('bearerTokenOf', () => {
  it('reads the token of a bearer header (RFC 6750 §2.1), the scheme in any case', () => {
    expect(bearerTokenOf('Bearer abc.DEF-_~+/=')).toBe('abc.DEF-_~+/=');
    expect(bearerTokenOf('bearer eyJ.a.b')).toBe('eyJ.a.b');
  });

  it('gives nothing for an absent header, another scheme or a token with other characters', () => {
    expect(bearerTokenOf(undefined)).toBeUndefined();
    expect(bearerTokenOf('Basic dXNlcjpwdw==')).toBeUndefined();
    expect(bearerTokenOf('Bearer a b')).toBeUndefined();
    expect(bearerTokenOf('Bearer ')).toBeUndefined();
  });
});
