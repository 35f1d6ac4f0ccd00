import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, SignJWT, generateKeyPair as joseKeyPair, type JWK } from 'jose';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets } from '../core/db/testing.js';
import { M2MClient } from '../core/m2m/index.js';
import { generateKeyPair } from '../crypto/hpke.js';
import { signInWeb, tokenRequest } from '../auth-server/testing.js';
import { patientPaths } from '../app-server/layout/patient-layout.js';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform.js';

const PT = 'pt-cse';
const PASSWORD = 'correct horse battery staple 42';

/**
 * The CSE takes only the provider's tokens (docs/cse.md, Authentication):
 * every request of a person's client or the application server carries an
 * access token whose subject is its originator; the notification channel
 * likewise. Real HTTP against the whole platform.
 */
describe.each(databaseTargets())('the CSE accepts only the provider’s tokens ($name)', (target) => {
  let platform: TestPlatform;
  let famToken: string;
  let famApiToken: string;
  let seq = 0;

  const cse = async (
    origin: string,
    token: string | undefined,
    path: string,
    init?: RequestInit,
  ) => {
    const res = await fetch(`${platform.url}${path}`, {
      ...init,
      headers: {
        'x-m2m-origin': origin,
        'x-m2m-ri': `r${++seq}`,
        'x-m2m-rvi': '3',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init?.headers as Record<string, string> | undefined),
      },
    });
    return {
      status: res.status,
      rsc: Number(res.headers.get('x-m2m-rsc')),
      body: (await res.json().catch(() => ({}))) as Record<string, unknown>,
    };
  };
  /** Retrieves fam's own AE (which only fam may read). */
  const latest = (origin: string, token: string | undefined) => cse(origin, token, '/cse-in/u-fam');
  const root = patientPaths('cse-in', PT).root;

  /** A token signed with the provider's own key, with the claims given. */
  const signed = async (claims: Record<string, unknown>, expSec: number) => {
    const file = join(platform.dataDir, 'auth', 'signing-keys.json');
    const jwk = (JSON.parse(readFileSync(file, 'utf8')) as { keys: JWK[] }).keys[0]!;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: jwk.kid! })
      .setIssuer(`${platform.url}/oidc`)
      .setAudience(platform.url)
      .setIssuedAt(expSec - 300)
      .setExpirationTime(expSec)
      .setJti(`j${++seq}`)
      .sign(await importJWK(jwk, 'ES256'));
  };

  beforeAll(async () => {
    platform = await startTestPlatform(target, {
      app: { enabled: true },
      auth: { enabled: true, rateLimitPerMinute: 1000 },
      cse: { requireTokens: true },
    });
    const app = platform.appServer!;
    famApiToken = await app.directory.addUser('fam', 'family');
    await app.directory.addUser('ins', 'insurer');
    await platform.authServer!.accounts.create({ id: 'fam', role: 'family', password: PASSWORD });
    const gw = await generateKeyPair();
    // The application server provisions through the CSE: with its client-credentials token.
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw-c', publicKey: gw.pair.publicRaw },
      team: ['fam'],
    });
    famToken = String((await signInWeb(platform.url, 'fam', PASSWORD)).access_token);
    const reg = await cse('Cfam', famToken, '/cse-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json;ty=2' },
      body: JSON.stringify({ 'm2m:ae': { rn: 'u-fam', api: 'Nu-fam', rr: false, srv: ['3'] } }),
    });
    expect(reg.rsc).toBe(2001);
  });

  afterAll(async () => {
    await platform.destroy();
  });

  it('refuses a request without a token with 4107, and a malformed header with 4000', async () => {
    const res = await latest('Cfam', undefined);
    expect(res).toMatchObject({ status: 403, rsc: 4107 });
    expect(String(res.body['m2m:dbg'])).toMatch(/no access token/);
    const bad = await cse('Cfam', undefined, '/cse-in', { headers: { authorization: 'Basic x' } });
    expect(bad.rsc).toBe(4000);
  });

  it('accepts the person’s own access token for their own AE-ID', async () => {
    expect((await latest('Cfam', famToken)).rsc).toBe(2000);
  });

  it('refuses a token of another subject with 4103 saying whose it is', async () => {
    const res = await latest('Cins', famToken);
    expect(res).toMatchObject({ status: 403, rsc: 4103 });
    expect(res.body['m2m:dbg']).toBe(
      "originator Cins is not authenticated: the access token is Cfam's, not Cins's",
    );
  });

  it('refuses an expired token and a forged one with 4103', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'fam', client_id: 'tutela-web', role: 'family', scope: 'openid api' };
    const expired = await signed(claims, now - 60);
    const res = await latest('Cfam', expired);
    expect(res.rsc).toBe(4103);
    expect(String(res.body['m2m:dbg'])).toMatch(/not valid: .*exp/);
    // The right claims, signed by a key that is not the provider's.
    const { privateKey } = await joseKeyPair('ES256');
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setIssuer(`${platform.url}/oidc`)
      .setAudience(platform.url)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti('forged')
      .sign(privateKey);
    expect((await latest('Cfam', forged)).rsc).toBe(4103);
    expect((await latest('Cfam', 'not.a.jwt')).rsc).toBe(4103);
    // A well-signed token of a person the application server does not know with that role.
    const wrongRole = await signed({ ...claims, role: 'doctor' }, now + 60);
    expect((await latest('Cfam', wrongRole)).rsc).toBe(4103);
  });

  it('lets only a client-credentials token of tutela-app-server speak as Ctutela-app', async () => {
    const app = await tokenRequest(
      platform.url,
      { grant_type: 'client_credentials', scope: 'api' },
      `tutela-app-server:${platform.authServer!.appServerSecret}`,
    );
    const appToken = String(app.body.access_token);
    expect((await cse('Ctutela-app', appToken, root)).rsc).toBe(2000);
    expect((await cse('Ctutela-app', famToken, root)).rsc).toBe(4103);
    expect((await cse('Ctutela-app', undefined, root)).rsc).toBe(4107);
    // The application server's token is no person's.
    expect((await latest('Cfam', appToken)).rsc).toBe(4103);
  });

  it('accepts the interim API token for its own user only (auth.apiTokens)', async () => {
    expect((await latest('Cfam', famApiToken)).rsc).toBe(2000);
    expect((await latest('Cins', famApiToken)).rsc).toBe(4103);
    expect((await latest('Cfam', 'not-a-token')).rsc).toBe(4103);
  });

  it('refuses an AE registration without an AE-ID of its own', async () => {
    const res = await cse('', famToken, '/cse-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json;ty=2' },
      body: JSON.stringify({ 'm2m:ae': { rn: 'anon', api: 'Nanon', rr: false, srv: ['3'] } }),
    });
    expect(res.rsc).toBe(4103);
  });

  it('sends the token of M2MClient’s accessToken option on every request', async () => {
    const withToken = new M2MClient({
      baseUrl: platform.url,
      origin: 'Cfam',
      accessToken: async () => famToken,
    });
    const without = new M2MClient({ baseUrl: platform.url, origin: 'Cfam' });
    try {
      expect((await withToken.request('GET', '/cse-in/u-fam')).rsc).toBe(2000);
      expect((await without.request('GET', '/cse-in/u-fam')).rsc).toBe(4107);
    } finally {
      await withToken.close();
      await without.close();
    }
  });

  describe('the notification channel', () => {
    /** Opens /ws?ae=… offering the token as a sub-protocol entry; the HTTP status or 101. */
    const open = (ae: string, token?: string) =>
      new Promise<{ status: number; protocol?: string }>((resolve, reject) => {
        const protocols = ['oneM2M.json', ...(token ? [`tutela.bearer.${token}`] : [])];
        const ws = new WebSocket(
          `${platform.url.replace(/^http/, 'ws')}/ws?ae=${encodeURIComponent(ae)}`,
          protocols,
        );
        ws.on('unexpected-response', (_req, res) => {
          resolve({ status: res.statusCode ?? 0 });
          ws.terminate();
        });
        ws.on('open', () => {
          resolve({ status: 101, protocol: ws.protocol });
          ws.close();
        });
        ws.on('error', reject);
      });

    it('refuses an upgrade without a token, or with another AE’s, with HTTP 401', async () => {
      expect((await open('Cfam')).status).toBe(401);
      expect((await open('Cins', famToken)).status).toBe(401);
      expect((await open('Cfam', 'forged.token.value')).status).toBe(401);
    });

    it('opens for the AE the token belongs to, never echoing the token', async () => {
      expect(await open('Cfam', famToken)).toEqual({ status: 101, protocol: 'oneM2M.json' });
      expect((await open('Cfam', famApiToken)).status).toBe(101);
    });

    it('closes the channel with 1008 when the token it was opened with expires', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { sub: 'fam', client_id: 'tutela-web', role: 'family', scope: 'openid api' };
      const shortLived = await signed(claims, now + 2);
      const ws = new WebSocket(`${platform.url.replace(/^http/, 'ws')}/ws?ae=Cfam`, [
        'oneM2M.json',
        `tutela.bearer.${shortLived}`,
      ]);
      const ended = await new Promise<{ opened: boolean; code: number; reason: string }>(
        (resolve, reject) => {
          let opened = false;
          ws.on('open', () => (opened = true));
          ws.on('close', (code, reason) => resolve({ opened, code, reason: reason.toString() }));
          ws.on('error', reject);
        },
      );
      expect(ended).toEqual({
        opened: true,
        code: 1008,
        reason: 'the access token expired: reconnect with a fresh one',
      });
    });
  });
});
