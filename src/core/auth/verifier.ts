import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';

/** Who called, from a verified access token. */
export interface Caller {
  sub: string;
  /** The account's role (CONTRACTS.md roles); absent for a client acting for itself. */
  role: string | undefined;
  clientId: string;
  scope: string[];
  /** Authentication methods (RFC 8176), e.g. ["pwd","otp"]; absent for client credentials. */
  amr: string[] | undefined;
  /** When the token expires (epoch ms, its `exp`): a channel it opened closes then. */
  expiresAt: number;
}

/** Authentication methods (RFC 8176) that are a second factor: one-time code, hardware key. */
const SECOND_FACTORS = new Set(['otp', 'hwk', 'mfa']);

/** Whether the sign-in behind a token passed a second factor (its `amr`). */
export function passedSecondFactor(caller: Pick<Caller, 'amr'>): boolean {
  return (caller.amr ?? []).some((m) => SECOND_FACTORS.has(m));
}

export type TokenError = 'invalid_token' | 'insufficient_scope';

export class AccessTokenError extends Error {
  constructor(
    readonly error: TokenError,
    message: string,
  ) {
    super(message);
    this.name = 'AccessTokenError';
  }
}

export interface VerifierOptions {
  issuer: string;
  audience: string;
  /** The provider's public keys: a JWKS (in process) or its URL (another process). */
  jwks: JSONWebKeySet | URL;
  /** Allowed clock skew (s). */
  clockToleranceSec?: number;
  /** Test hook: the current time. */
  currentDate?: () => Date;
  /** fetch for a remote JWKS (e.g. one trusting the local CA). */
  fetch?: (url: string, options: RequestInit) => Promise<Response>;
  /** Tokens whose signature was verified, kept until they expire (default 1,000; 0: none). */
  cacheSize?: number;
}

export type AccessTokenVerifier = (token: string) => Promise<Caller>;

/**
 * Verifies JWT access tokens per RFC 9068 §4: typ "at+jwt", signed by the
 * issuer's keys (asymmetric algorithms only), iss and aud as expected, exp and
 * nbf checked, and client_id / sub present. Holds only public keys.
 * Tokens are not introspected: a token stays valid until it expires (5 min by
 * default); revocation acts on refresh tokens and grants (docs/auth-server.md).
 */
export function createAccessTokenVerifier(o: VerifierOptions): AccessTokenVerifier {
  const keys =
    o.jwks instanceof URL
      ? createRemoteJWKSet(o.jwks, {
          cooldownDuration: 30_000,
          ...(o.fetch ? { [customFetch]: o.fetch } : {}),
        })
      : createLocalJWKSet(o.jwks);
  // The same token comes back on every request of a client (the application server's on every
  // CSE write): its signature is checked once, its expiry at every use.
  const verified = new Map<string, { caller: Caller; exp: number }>();
  const max = o.cacheSize ?? 1000;
  const tolerance = o.clockToleranceSec ?? 5;
  return async (token) => {
    const now = (o.currentDate?.() ?? new Date()).getTime() / 1000;
    const hit = verified.get(token);
    if (hit) {
      if (now <= hit.exp + tolerance) return hit.caller;
      verified.delete(token);
      throw new AccessTokenError('invalid_token', 'the access token expired');
    }
    const caller = await verifyOnce(token);
    if (max > 0) {
      if (verified.size >= max) verified.delete(verified.keys().next().value!);
      verified.set(token, caller);
    }
    return caller.caller;
  };

  async function verifyOnce(token: string): Promise<{ caller: Caller; exp: number }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer: o.issuer,
        audience: o.audience,
        typ: 'at+jwt',
        algorithms: ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'],
        clockTolerance: tolerance,
        requiredClaims: ['exp', 'iat', 'sub', 'client_id', 'jti'],
        ...(o.currentDate ? { currentDate: o.currentDate() } : {}),
      }));
    } catch (err) {
      throw new AccessTokenError('invalid_token', describe(err));
    }
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const sub = str(payload.sub);
    const clientId = str(payload.client_id);
    if (!sub || !clientId)
      throw new AccessTokenError('invalid_token', 'token lacks sub or client_id');
    const amr = Array.isArray(payload.amr)
      ? payload.amr.filter((x) => typeof x === 'string')
      : undefined;
    return {
      caller: {
        sub,
        role: str(payload.role),
        clientId,
        scope: (str(payload.scope) ?? '').split(' ').filter(Boolean),
        amr,
        expiresAt: Number(payload.exp) * 1000,
      },
      exp: Number(payload.exp),
    };
  }
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the access token expired';
  if (err instanceof errors.JWTClaimValidationFailed)
    return `the access token's ${err.claim} claim is not accepted`;
  if (err instanceof errors.JOSEError) return 'the access token is not valid';
  return 'the access token could not be verified';
}
