import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { Browser, formAction, hiddenInput, pkcePair, signInWeb, tokenRequest } from '../testing.js';

const PASSWORD = 'amber falcon tessellate 42';

describe('browser sessions over HTTPS: single sign-on and sign-out', () => {
  let platform: TestPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'sqlite' }, { tls: { enabled: true } });
    await platform.authServer!.accounts.create({ id: 'fam-6', role: 'family', password: PASSWORD });
  });
  afterAll(async () => {
    await platform?.destroy();
  });

  it('keeps the browser signed in, and signing out revokes its refresh tokens', async () => {
    const { url, ca } = platform;
    expect(url).toMatch(/^https:/);
    const browser = new Browser(url, ca);
    const tokens = await signInWeb(url, 'fam-6', PASSWORD, undefined, browser, ca);
    const refresh = (rt: string) =>
      tokenRequest(
        url,
        { grant_type: 'refresh_token', refresh_token: rt, client_id: 'tutela-web' },
        undefined,
        ca,
      );

    // Single sign-on: a second authorization goes straight back with a code.
    const q = new URLSearchParams({
      client_id: 'tutela-web',
      response_type: 'code',
      redirect_uri: `${url}/web/callback`,
      scope: 'openid api',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });
    const sso = await browser.follow(`${url}/oidc/auth?${q.toString()}`, `${url}/web/callback`);
    expect(new URL(sso.location!).searchParams.get('code')).toBeTruthy();

    // RP-initiated logout, confirmed on the provider's page.
    const end = await browser.follow(
      `${url}/oidc/session/end?client_id=tutela-web&post_logout_redirect_uri=${encodeURIComponent(`${url}/web/`)}`,
    );
    expect(end.text).toContain('Sign out of Tutela');
    const out = await browser.request('POST', formAction(end.text), {
      xsrf: hiddenInput(end.text, 'xsrf'),
      logout: 'yes',
    });
    expect(out.status).toBe(303);
    expect(out.location).toBe(`${url}/web/`);

    expect((await refresh(String(tokens.refresh_token))).body.error).toBe('invalid_grant');
    const again = await browser.follow(`${url}/oidc/auth?${q.toString()}`, `${url}/web/callback`);
    expect(again.text).toContain('<label for="password">Password</label>');
  });
});
