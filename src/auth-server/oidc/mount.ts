import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { RateLimiter } from '../accounts/rate-limit.js';
import { CSP } from './pages.js';

export const OIDC_PREFIX = '/oidc';

/** Credential endpoints of the provider: each is rate limited per client IP. */
const LIMITED = new Set(['/token', '/token/revocation', '/device', '/device/auth']);

/**
 * Mounts oidc-provider (a Koa application) under /oidc in the platform's
 * Fastify: the raw request and response go to the provider's callback,
 * Fastify steps aside (reply.hijack). The body stream is left unread (a
 * catch-all content-type parser that reads nothing) so the provider parses it.
 * The provider exists only once the platform knows its own URL (the issuer),
 * so requests before then get 503.
 */
export async function mountProvider(
  app: FastifyInstance,
  current: () => { provider: Provider; handler: ReturnType<Provider['callback']> } | undefined,
  limiter: RateLimiter,
): Promise<void> {
  await app.register((scope, _opts, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, next) => next(null));
    const handle = async (req: FastifyRequest, reply: FastifyReply) => {
      const mounted = current();
      if (!mounted)
        return reply
          .code(503)
          .send({ error: 'unavailable', message: 'the authorization server is starting' });
      const path = req.url.slice(OIDC_PREFIX.length).split('?')[0] ?? '';
      if (req.method === 'POST' && LIMITED.has(path)) {
        const retry = limiter.hit(`${path} ${req.ip}`);
        if (retry > 0)
          return reply
            .code(429)
            .header('retry-after', String(retry))
            .send({ error: 'rate_limited', message: 'too many requests; try again later' });
      }
      reply.hijack();
      const raw = req.raw as IncomingMessage & { originalUrl?: string };
      // Koa-style mounting: the provider routes on the path below its mount point and
      // finds the mount point from originalUrl (oidc-provider's urlFor).
      raw.originalUrl = raw.url;
      raw.url = (raw.url ?? '/').slice(OIDC_PREFIX.length) || '/';
      reply.raw.setHeader('content-security-policy', CSP);
      reply.raw.setHeader('x-content-type-options', 'nosniff');
      mounted.handler(raw, reply.raw);
      return reply;
    };
    scope.all(OIDC_PREFIX, handle);
    scope.all(`${OIDC_PREFIX}/*`, handle);
    done();
  });
}
