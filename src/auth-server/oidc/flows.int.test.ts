import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetch } from 'undici';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { databaseTargets } from '../../core/db/testing.js';
import { Browser, signInWeb, tokenRequest } from '../testing.js';

const PASSWORD = 'amber falcon tessellate 42';

describe.each(databaseTargets())('OpenID provider flows ($name)', (target) => {
  let platform: TestPlatform;
  let totpSecret: string;

  beforeAll(async () => {
    platform = await startTestPlatform(target);
    const accounts = platform.authServer!.accounts;
    await accounts.create({ id: 'fam-1', role: 'family', password: PASSWORD });
    totpSecret = (await accounts.create({ id: 'nurse-1', role: 'nurse', password: PASSWORD }))
      .totpSecret!;
  });
  afterAll(async () => {
    await platform?.destroy();
  });

  it('publishes discovery and a JWKS with public keys only', async () => {
    const disco = (await (
      await fetch(`${platform.url}/oidc/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(disco.issuer).toBe(`${platform.url}/oidc`);
    expect(disco.code_challenge_methods_supported).toEqual(['S256']);
    expect(disco.grant_types_supported).toEqual(
      expect.arrayContaining([
        'authorization_code',
        'refresh_token',
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:device_code',
      ]),
    );
    expect(disco.grant_types_supported).not.toContain('implicit');
    expect(disco.response_types_supported).toEqual(['code', 'none']);
    expect(disco.revocation_endpoint).toBe(`${platform.url}/oidc/token/revocation`);
    expect(disco.end_session_endpoint).toBe(`${platform.url}/oidc/session/end`);
    const jwks = (await (await fetch(String(disco.jwks_uri))).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys.length).toBeGreaterThan(0);
    for (const k of jwks.keys) expect(k).not.toHaveProperty('d');
  });

  it('signs a family member in with code + PKCE: a JWT access token for the platform API', async () => {
    const tokens = await signInWeb(platform.url, 'fam-1', PASSWORD);
    expect(tokens.token_type).toBe('Bearer');
    expect(tokens.expires_in).toBe(300);
    expect(tokens.refresh_token).toBeTruthy();
    const at = String(tokens.access_token);
    expect(decodeProtectedHeader(at).typ).toBe('at+jwt');
    const claims = decodeJwt(at);
    expect(claims).toMatchObject({
      iss: `${platform.url}/oidc`,
      aud: platform.url,
      sub: 'fam-1',
      client_id: 'tutela-web',
      role: 'family',
      amr: ['pwd'],
    });
    const caller = await platform.authServer!.verifier()(at);
    expect(caller).toEqual({
      sub: 'fam-1',
      role: 'family',
      clientId: 'tutela-web',
      scope: ['api'],
      amr: ['pwd'],
      // The token's exp, in ms: a notification channel it opens closes then.
      expiresAt: Number(decodeJwt(at).exp) * 1000,
    });
  });

  it('requires the TOTP code of a nurse; the token says pwd+otp', async () => {
    const tokens = await signInWeb(platform.url, 'nurse-1', PASSWORD, totpSecret);
    expect(decodeJwt(String(tokens.access_token))).toMatchObject({
      sub: 'nurse-1',
      role: 'nurse',
      amr: ['pwd', 'otp'],
    });
  });

  it('refuses an authorization request without PKCE, or with plain PKCE', async () => {
    const browser = new Browser(platform.url);
    const cases: Array<Record<string, string>> = [
      {},
      { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
    ];
    for (const extra of cases) {
      const q = new URLSearchParams({
        client_id: 'tutela-web',
        response_type: 'code',
        redirect_uri: `${platform.url}/web/callback`,
        scope: 'openid',
        ...extra,
      });
      const r = await browser.request('GET', `${platform.url}/oidc/auth?${q.toString()}`);
      expect(r.status).toBe(303);
      expect(new URL(r.location!).searchParams.get('error')).toBe('invalid_request');
    }
  });

  it('gives the application server a client-credentials token; a wrong secret is refused', async () => {
    const secret = platform.authServer!.appServerSecret;
    const ok = await tokenRequest(
      platform.url,
      { grant_type: 'client_credentials', scope: 'api' },
      `tutela-app-server:${secret}`,
    );
    expect(ok.status).toBe(200);
    const caller = await platform.authServer!.verifier()(String(ok.body.access_token));
    expect(caller).toMatchObject({ sub: 'tutela-app-server', clientId: 'tutela-app-server' });
    expect(caller.role).toBeUndefined();
    const bad = await tokenRequest(
      platform.url,
      { grant_type: 'client_credentials', scope: 'api' },
      `tutela-app-server:${secret.slice(0, -2)}xx`,
    );
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe('invalid_client');
  });
});
