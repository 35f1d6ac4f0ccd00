import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountWebApp } from './web-app.js';

describe('the web app server', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tutela-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(
      join(dir, 'index.html'),
      '<meta property="csp-nonce" nonce="TUTELA_CSP_NONCE"><script type="module" src="/web/assets/app-1.js" nonce="TUTELA_CSP_NONCE"></script>',
    );
    writeFileSync(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.key'), 'not served: unknown type');
    app = Fastify();
    await mountWebApp(app, { dir });
    // Stands in for the CSE's catch-all binding.
    app.get('/*', async () => ({ cse: true }));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the app routes with index.html under a fresh nonce named by a strict CSP', async () => {
    const nonces = new Set<string>();
    for (const url of [
      '/web/',
      '/web/patients/pt-0001',
      '/web/patients/pt-0001/episode',
      '/web/callback',
      '/web/notices',
      '/web/emergency',
      '/web/security',
      '/web/alerts',
      '/web/alerts/al-0a1b2c',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      const csp = String(res.headers['content-security-policy']);
      const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      expect(nonce).toHaveLength(24);
      expect(res.body).not.toContain('TUTELA_CSP_NONCE');
      expect(res.body).toContain(`nonce="${nonce}"`);
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      nonces.add(nonce!);
    }
    expect(nonces.size).toBe(9);
  });

  it('serves built assets by exact name, immutable, and nothing else', async () => {
    const js = await app.inject({ url: '/web/assets/app-1.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('text/javascript');
    expect(js.headers['cache-control']).toContain('immutable');
    for (const url of [
      '/web/secret.key',
      '/web/assets/nope.js',
      '/web/assets/../index.html/x',
      '/web/patients/a/b/c',
      '/web/anything',
      '/web/alerts/x',
      '/web/alerts/al-1/x',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json()).toMatchObject({ error: 'not_found' });
    }
  });

  it('sends / to the app and leaves every other path to the CSE', async () => {
    const root = await app.inject({ url: '/' });
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/web/');
    expect((await app.inject({ url: '/cse-in/x' })).json()).toEqual({ cse: true });
  });

  it('says how to build the app when there is no build', async () => {
    const bare = Fastify();
    await mountWebApp(bare, { dir: join(dir, 'missing') });
    const res = await bare.inject({ url: '/web/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    await bare.close();
  });
});
