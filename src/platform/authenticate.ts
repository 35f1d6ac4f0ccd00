import type { Authenticate } from '../app-server/api/auth.js';
import type { AppServer } from '../app-server/app-server.js';
import type { AuthServer } from '../auth-server/index.js';
import { passedSecondFactor } from '../core/auth/index.js';

/**
 * Who a bearer token on the /app API belongs to. An OpenID Connect access
 * token of the platform's provider (a JWT, RFC 9068) is verified with the
 * provider's public keys; its subject must be a person the application
 * server knows, with the same role; `mfa` comes from its `amr`. A token of
 * a client acting for itself (client credentials) is no person: refused.
 * The interim API tokens of the directory are accepted only while
 * `auth.apiTokens` is on.
 */
export function platformAuthenticate(
  appServer: AppServer,
  authServer: AuthServer | undefined,
  apiTokens: boolean,
): Authenticate {
  return async (token) => {
    if (!token.includes('.'))
      return apiTokens ? appServer.directory.authenticate(token) : undefined;
    if (!authServer) return undefined;
    const caller = await authServer
      .verifier()(token)
      .catch(() => undefined);
    if (!caller?.role) return undefined;
    const user = await appServer.directory.user(caller.sub);
    if (!user || user.role !== caller.role) return undefined;
    // expiresAt: live channels (/app/alerts/live) close when the token does.
    return { ...user, mfa: passedSecondFactor(caller), expiresAt: caller.expiresAt };
  };
}
