import { describe, expect, it } from 'vitest';
import {
  checkPasswordStrength,
  generatePassword,
  hashPassword,
  verifyPassword,
} from './passwords.js';

describe('passwords', () => {
  it('hashes with argon2id and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery staple 7');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword('correct horse battery staple 7', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery staple 8', hash)).toBe(false);
    expect(await verifyPassword('x', 'not a hash')).toBe(false);
    // A fresh salt each time.
    expect(await hashPassword('correct horse battery staple 7')).not.toBe(hash);
  });

  it('refuses short and common passwords, accepts strong ones', () => {
    expect(() => checkPasswordStrength('Sh0rt!')).toThrow(/at least 12/);
    for (const weak of ['password1234', 'qwertyuiop123', '123456789012', 'iloveyou1234'])
      expect(() => checkPasswordStrength(weak), weak).toThrow(/too common/);
    expect(() => checkPasswordStrength('patient-0001!!', ['patient-0001'])).toThrow(/too common/);
    expect(() => checkPasswordStrength('tangerine ladder oblique 49')).not.toThrow();
    expect(() => checkPasswordStrength(generatePassword())).not.toThrow();
  });
});
