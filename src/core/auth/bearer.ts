import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerTokenOf } from './bearer-token.js';
import { AccessTokenError, type AccessTokenVerifier, type Caller } from './verifier.js';

/**
 * Reads `Authorization: Bearer <token>` (RFC 6750 §2.1) and verifies it. On
 * failure answers 401 with a WWW-Authenticate challenge carrying the RFC 6750
 * §3.1 error code (none when no token was sent, §3.1 last paragraph) and
 * returns undefined; the route stops there.
 */
export function bearerFrom(verifier: AccessTokenVerifier, realm = 'tutela') {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<Caller | undefined> => {
    const header = req.headers.authorization;
    const token = bearerTokenOf(header);
    if (!header) {
      await challenge(reply, realm, undefined, 'a bearer access token is required');
      return undefined;
    }
    if (!token) {
      await challenge(
        reply,
        realm,
        'invalid_request',
        'the Authorization header is not a bearer token',
      );
      return undefined;
    }
    try {
      return await verifier(token);
    } catch (err) {
      const message =
        err instanceof AccessTokenError ? err.message : 'the access token is not valid';
      await challenge(reply, realm, 'invalid_token', message);
      return undefined;
    }
  };
}

async function challenge(
  reply: FastifyReply,
  realm: string,
  error: 'invalid_request' | 'invalid_token' | undefined,
  message: string,
): Promise<void> {
  const params = [`realm="${realm}"`];
  // RFC 6750 §3: error_description is quoted text without '"' or '\'.
  if (error)
    params.push(`error="${error}"`, `error_description="${message.replace(/["\\]/g, '')}"`);
  await reply
    .code(error === 'invalid_request' ? 400 : 401)
    .header('www-authenticate', `Bearer ${params.join(', ')}`)
    .send({ error: error ?? 'unauthenticated', message });
}
