import { createHash, timingSafeEqual } from 'node:crypto';
import { Rsc, TutelaError } from '../../core/errors.js';
import { UnauthenticatedError } from './errors.js';

/** RFC 6750 §2.1: `Bearer` (case-insensitive, RFC 9110 §11.1) then a b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Shorter tokens are guessable; refuse them when the server is set up. */
export const MIN_TOKEN_LENGTH = 24;

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Which patient a bearer token belongs to. Tokens are kept only as SHA-256
 * digests and compared in constant time (equal-length digests through
 * timingSafeEqual), against every patient's token without stopping at a
 * match, so the time taken says nothing about the token or whose it is.
 */
export class BearerTokens {
  private readonly entries: { patient: string; digest: Buffer }[] = [];

  constructor(tokens: { patient: string; token: string }[]) {
    for (const { patient, token } of tokens) {
      if (token.length < MIN_TOKEN_LENGTH || !B64TOKEN.test(token))
        throw new TutelaError(
          'config_invalid',
          Rsc.BAD_REQUEST,
          `the token of patient ${patient} must be at least ${MIN_TOKEN_LENGTH} characters of RFC 6750 b64token`,
        );
      const d = digest(token);
      if (this.entries.some((e) => timingSafeEqual(e.digest, d)))
        throw new TutelaError('config_invalid', Rsc.BAD_REQUEST, 'two patients share a token');
      this.entries.push({ patient, digest: d });
    }
  }

  /** The patient the Authorization header's token belongs to; an UnauthenticatedError otherwise. */
  authenticate(authorization: string | undefined): string {
    if (!authorization) throw new UnauthenticatedError('a bearer token is required', false);
    const match = BEARER.exec(authorization);
    if (!match) throw new UnauthenticatedError('expected "Authorization: Bearer <token>"', true);
    const d = digest(match[1]!);
    let patient: string | undefined;
    for (const e of this.entries) if (timingSafeEqual(e.digest, d)) patient ??= e.patient;
    if (patient === undefined)
      throw new UnauthenticatedError('the bearer token is not valid', true);
    return patient;
  }
}
