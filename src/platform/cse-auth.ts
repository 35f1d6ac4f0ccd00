import { Rsc } from '../core/errors.js';
import type { AccessTokenVerifier } from '../core/auth/index.js';
import type { AuthenticateOriginator, OriginatorRefusal } from '../service-layer/cse/index.js';
import { APP_AE, caregiverAe } from '../app-server/layout/patient-layout.js';
import { APP_SERVER_CLIENT } from '../auth-server/index.js';
import { DEVICE_ORIGINATOR } from './devices.js';

export interface CseAuthOptions {
  /** Device onboarding's certificate check for gateway originators (absent: no device zone). */
  devices?: AuthenticateOriginator | undefined;
  /** `cse.requireTokens` while the authorization server is on; its verifier once it runs. */
  requireTokens: boolean;
  verifier: () => AccessTokenVerifier | undefined;
  /**
   * The person behind a token as /app knows them (platformAuthenticate): the user id, or
   * undefined. Absent (no application server): the token's own subject is taken.
   */
  person?: ((token: string) => Promise<string | undefined>) | undefined;
  /** An interim API token's user id, while `auth.apiTokens` is on (docs/cse.md: interim). */
  interim?: ((token: string) => Promise<string | undefined>) | undefined;
}

const noToken: OriginatorRefusal = {
  rsc: Rsc.SECURITY_ASSOCIATION_REQUIRED,
  reason:
    "no access token: send the platform's OpenID provider access token as Authorization: Bearer (RFC 6750 §2.1)",
};

/**
 * The CSE's originator check in the embedded platform (TS-0003 §7: the CSE
 * knows who an originator is before ACPs apply):
 * - a gateway (`Cgw-…`) proves itself with its device certificate (mutual
 *   TLS), as device onboarding checks it;
 * - everyone else, while tokens are required and the provider runs, with an
 *   access token of the provider: the application server (`Ctutela-app`)
 *   with a client-credentials token of `tutela-app-server`, a person
 *   (`C<user>`) with a token whose `sub` is that user. The interim API
 *   tokens of the directory pass too while `auth.apiTokens` is on.
 * Without a token: 4107; a token that does not fit: 4103 with the reason;
 * a token that fits admits until it expires (its notification channel closes then).
 */
export function cseOriginatorAuth(o: CseAuthOptions): AuthenticateOriginator {
  return async (check) => {
    if (DEVICE_ORIGINATOR.test(check.originator)) return o.devices ? o.devices(check) : undefined;
    if (!o.requireTokens) return undefined;
    const token = check.token;
    if (token === undefined) return noToken;
    // Between listening and the provider's start nothing but a gateway gets in.
    const verify = o.verifier();
    if (!verify) return 'the authorization server is not ready yet; try again';
    if (check.originator === '')
      return 'an AE registers under its own AE-ID (X-M2M-Origin: C<user>) when tokens are required';
    if (!token.includes('.')) {
      // An interim API token (not a JWT): only the directory can say whose it is.
      const user = o.interim ? await o.interim(token) : undefined;
      if (user === undefined)
        return o.interim
          ? 'the API token is not valid'
          : 'interim API tokens are off (auth.apiTokens): use an access token of the provider';
      return caregiverAe(user) === check.originator
        ? undefined
        : `the API token is ${caregiverAe(user)}'s, not ${check.originator}'s`;
    }
    let caller;
    try {
      caller = await verify(token);
    } catch (err) {
      return `the access token is not valid: ${(err as Error).message}`;
    }
    const admitted = { until: caller.expiresAt };
    if (check.originator === APP_AE.origin)
      return caller.clientId === APP_SERVER_CLIENT && caller.role === undefined
        ? admitted
        : `only a client-credentials token of ${APP_SERVER_CLIENT} speaks as ${APP_AE.origin}`;
    if (caller.role === undefined)
      return `a client acting for itself (${caller.clientId}) may speak only as its own AE`;
    const expected = caregiverAe(caller.sub);
    if (expected !== check.originator)
      return `the access token is ${expected}'s, not ${check.originator}'s`;
    if (o.person && (await o.person(token)) !== caller.sub)
      return `${caller.sub} is not a person the application server knows with role ${caller.role}`;
    return admitted;
  };
}
