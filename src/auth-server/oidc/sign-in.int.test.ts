import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetch } from 'undici';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { Browser, formAction, pkcePair, tokenRequest } from '../testing.js';

const PASSWORD = 'amber falcon tessellate 42';

/** Starts an authorization request and returns the browser on the login page. */
async function loginPage(url: string) {
  const browser = new Browser(url);
  const q = new URLSearchParams({
    client_id: 'tutela-web',
    response_type: 'code',
    redirect_uri: `${url}/web/callback`,
    scope: 'openid api',
    code_challenge: pkcePair().challenge,
    code_challenge_method: 'S256',
  });
  const page = await browser.follow(`${url}/oidc/auth?${q.toString()}`);
  return { browser, page, action: formAction(page.text) };
}

describe('sign-in pages', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'sqlite' }, { auth: { rateLimitPerMinute: 8 } });
    const accounts = platform.authServer!.accounts;
    await accounts.create({ id: 'fam-4', role: 'family', password: PASSWORD });
    await accounts.create({ id: 'nurse-4', role: 'nurse', password: PASSWORD });
  });
  afterAll(async () => {
    await platform?.destroy();
  });

  it('serves the login page with a strict CSP and no inline script or style', async () => {
    const { page } = await loginPage(platform.url);
    expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)|style=|<style/);
    const res = await fetch(`${platform.url}/auth/interaction/nope`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.status).toBe(400); // no interaction cookie
  });

  it('says the same for a wrong password and an unknown user (no enumeration)', async () => {
    const a = await loginPage(platform.url);
    const wrong = await a.browser.request('POST', a.action, {
      login: 'fam-4',
      password: 'not the password',
    });
    const b = await loginPage(platform.url);
    const unknown = await b.browser.request('POST', b.action, {
      login: 'no-such-user',
      password: 'not the password',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const message = (html: string) => /role="alert"[^>]*>([^<]*)</.exec(html)?.[1];
    expect(message(wrong.text)).toBe(message(unknown.text));
    expect(message(wrong.text)).toMatch(/Sign-in failed/);
  });

  it('requires the second factor of a nurse: the password alone yields no code', async () => {
    const { browser, action } = await loginPage(platform.url);
    const otp = await browser.request('POST', action, { login: 'nurse-4', password: PASSWORD });
    expect(otp.status).toBe(200);
    expect(otp.text).toContain('authenticator app');
    // A wrong code is refused.
    const bad = await browser.request('POST', formAction(otp.text), { otp: '123456' });
    expect(bad.status).toBe(401);
    // Skipping the code: resuming the authorization goes back to the sign-in, never to the client.
    const uid = /interaction\/([^/]+)\/otp/.exec(formAction(otp.text))![1]!;
    const resumed = await browser.follow(
      `${platform.url}/oidc/auth/${uid}`,
      `${platform.url}/web/callback`,
    );
    expect(resumed.location ?? '').not.toContain('code=');
  });

  it('rate-limits each credential endpoint per client IP, with Retry-After', async () => {
    let last;
    for (let i = 0; i < 10; i++)
      last = await tokenRequest(platform.url, {
        grant_type: 'refresh_token',
        refresh_token: 'x',
        client_id: 'tutela-web',
      });
    expect(last!.status).toBe(429);
    expect(last!.body.error).toBe('rate_limited');
    const { browser, action } = await loginPage(platform.url);
    let page;
    for (let i = 0; i < 10; i++)
      page = await browser.request('POST', action, { login: 'fam-4', password: 'wrong' });
    expect(page!.status).toBe(429);
  });
});
