import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * Serves the caregiver web app (src/clients/web, built by Vite into
 * dist/web) under /web/. The build is a handful of files, read once into
 * memory at start: only those exact paths are served (no file-system path
 * is ever built from a request), the SPA's own routes get index.html, and
 * anything else under /web/ is a 404.
 *
 * Every HTML response carries a strict Content-Security-Policy (CSP Level 3)
 * with a fresh nonce (§6.7.3.1, 128 bits from the CSPRNG), written into the
 * placeholder Vite left on the tags and in <meta property="csp-nonce">:
 * scripts only from this origin with that nonce, no inline script, no
 * eval, styles from this origin or with the nonce (Mantine's <style>),
 * connections to this origin only (the API, the CSE, its WebSocket), no
 * framing, no plugins, no <base>, forms to this origin only.
 */
export const WEB_PREFIX = '/web';
const PLACEHOLDER = 'TUTELA_CSP_NONCE';

/**
 * The app's routes (src/clients/web/app/router.tsx): what gets index.html.
 * `/web/callback` is kept for the OpenID Connect redirect (authorization
 * code + PKCE) that replaces token sign-in.
 */
const APP_ROUTES =
  /^\/web\/(?:callback|notices\/?|emergency\/?|security\/?|alerts(?:\/al-[a-z0-9]{1,64})?\/?|patients\/[A-Za-z0-9._:%-]{1,200}(?:\/(?:episode|devices))?\/?)?$/;

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export interface WebAppOptions {
  /** The built app; default dist/web of this package. */
  dir?: string;
}

interface Asset {
  body: Buffer;
  type: string;
}

/** Where the build is: dist/web beside dist/src (built), or <repo>/dist/web (run from source). */
export function defaultWebDir(): string | undefined {
  const candidates = [
    fileURLToPath(new URL('../../web/', import.meta.url)),
    fileURLToPath(new URL('../../dist/web/', import.meta.url)),
  ];
  return candidates.find((d) => existsSync(join(d, 'index.html')));
}

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    // 'self' matches ws: and wss: on this host too (CSP3 §6.7.2.8).
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

function securityHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .header('x-frame-options', 'DENY')
    .header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=()');
}

function readBuild(dir: string): Map<string, Asset> {
  const files = new Map<string, Asset>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const type = TYPES[extname(name)];
        if (type)
          files.set(`${WEB_PREFIX}/${relative(dir, p).split(sep).join('/')}`, {
            body: readFileSync(p),
            type,
          });
      }
    }
  };
  walk(dir);
  return files;
}

/** Mounts the web app; without a build it answers /web/ with how to build it. */
export async function mountWebApp(app: FastifyInstance, opts: WebAppOptions = {}): Promise<void> {
  const dir = opts.dir ?? defaultWebDir();
  const files = dir && existsSync(join(dir, 'index.html')) ? readBuild(dir) : new Map();
  const index = files.get(`${WEB_PREFIX}/index.html`)?.body.toString('utf8');

  const sendIndex = (reply: FastifyReply) => {
    const nonce = randomBytes(16).toString('base64');
    securityHeaders(reply)
      .header('content-security-policy', contentSecurityPolicy(nonce))
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8');
    if (!index)
      return reply
        .code(503)
        .send(
          '<!doctype html><title>Tutela</title><p>The web app is not built: run <code>npm run build</code>.</p>',
        );
    return reply.send(index.replaceAll(PLACEHOLDER, nonce));
  };

  app.get('/', async (_req, reply) => reply.redirect(`${WEB_PREFIX}/`, 302));
  app.get(WEB_PREFIX, async (_req, reply) => reply.redirect(`${WEB_PREFIX}/`, 301));
  app.get(`${WEB_PREFIX}/*`, async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (path !== `${WEB_PREFIX}/index.html`) {
      const asset = files.get(path);
      if (asset)
        return securityHeaders(reply)
          .header(
            'cache-control',
            // Vite names every asset by its content hash: it never changes under that name.
            path.startsWith(`${WEB_PREFIX}/assets/`)
              ? 'public, max-age=31536000, immutable'
              : 'no-cache',
          )
          .type(asset.type)
          .send(asset.body);
    }
    if (path === `${WEB_PREFIX}/index.html` || APP_ROUTES.test(path)) return sendIndex(reply);
    return securityHeaders(reply)
      .code(404)
      .type('application/json')
      .send({ error: 'not_found', message: 'no such page or file in the web app' });
  });
}
