import { randomBytes, timingSafeEqual } from 'node:crypto';
import { argon2id } from 'hash-wasm';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';
import { Rsc, TutelaError } from '../../core/errors.js';

/**
 * Argon2id (RFC 9106) with OWASP's first recommended setting (m = 19 MiB,
 * t = 2, p = 1), through hash-wasm: WebAssembly, so nothing is compiled or
 * downloaded at install time. Hashes are stored as PHC strings, so the
 * parameters can be raised later without invalidating existing hashes.
 */
const PARAMS = { memorySize: 19_456, iterations: 2, parallelism: 1, hashLength: 32 } as const;

export const MIN_PASSWORD_LENGTH = 12;

export async function hashPassword(password: string): Promise<string> {
  return argon2id({ ...PARAMS, password, salt: randomBytes(16), outputType: 'encoded' });
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** True when `password` matches the PHC string; the digests are compared in constant time. */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const m = PHC.exec(phc);
  if (!m) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  const actual = await argon2id({
    password,
    salt: Buffer.from(m[4]!, 'base64'),
    memorySize: Number(m[1]),
    iterations: Number(m[2]),
    parallelism: Number(m[3]),
    hashLength: expected.length,
    outputType: 'binary',
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of a random password: verified against when the login is unknown, so timing tells nothing. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(24).toString('base64url'));
  return decoy;
}

let zxcvbn: ZxcvbnFactory | undefined;

/**
 * Refuses weak passwords (NIST SP 800-63B §5.1.1.2: at least the length
 * floor, and not in a list of common or compromised passwords): at least 12
 * characters, and a zxcvbn score of 3 or more against its bundled common
 * password and word lists and the user's own id.
 */
export function checkPasswordStrength(password: string, userInputs: string[] = []): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw weak(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.length > 256) throw weak('a password has at most 256 characters');
  zxcvbn ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs });
  const result = zxcvbn.check(password, userInputs);
  if (result.score < 3)
    throw weak('this password is too common or too easy to guess; choose a longer, less usual one');
}

function weak(message: string): TutelaError {
  return new TutelaError('weak_password', Rsc.BAD_REQUEST, message);
}

/** A strong generated password for demo accounts (about 120 bits). */
export function generatePassword(): string {
  return randomBytes(15).toString('base64url').replace(/[-_]/g, 'x') + '-Tt9';
}
