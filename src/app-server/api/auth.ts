import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { bearerTokenOf } from '../../core/auth/bearer-token.js';
import { Rsc, TutelaError } from '../../core/errors.js';
import type { User } from '../directory/directory.js';

declare module 'fastify' {
  interface FastifyRequest {
    user?: User;
  }
}

/** Who a bearer token belongs to, or undefined (interim directory tokens today; OIDC access tokens next). */
export type Authenticate = (token: string) => Promise<User | undefined>;

/**
 * An onRequest hook that admits only requests with `Authorization: Bearer
 * <token>` whose token `authenticate` accepts, and sets `request.user`.
 * Anything else is 401 `unauthenticated` with a WWW-Authenticate challenge
 * (RFC 6750 §3).
 */
export function bearerAuth(authenticate: Authenticate): onRequestAsyncHookHandler {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const token = bearerTokenOf(req.headers.authorization);
    const user = token ? await authenticate(token) : undefined;
    if (!user) {
      void reply.header('www-authenticate', 'Bearer realm="tutela"');
      throw new TutelaError(
        'unauthenticated',
        Rsc.ORIGINATOR_HAS_NOT_REGISTERED,
        'a valid bearer token is required',
      );
    }
    req.user = user;
  };
}

/** The authenticated caller (the hook above has run). */
export function caller(req: FastifyRequest): User {
  if (!req.user)
    throw new TutelaError('unauthenticated', Rsc.ORIGINATOR_HAS_NOT_REGISTERED, 'no caller');
  return req.user;
}
