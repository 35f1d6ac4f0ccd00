import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetch } from 'undici';
import { decodeJwt } from 'jose';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { databaseTargets } from '../../core/db/testing.js';
import { SoftAuthenticator } from '../accounts/soft-authenticator.js';
import { Browser, formAction, pkcePair, signInWeb, tokenRequest } from '../testing.js';

const PASSWORD = 'amber falcon tessellate 42';

describe.each(databaseTargets())('passkeys (WebAuthn) ($name)', (target) => {
  let platform: TestPlatform;
  let totpSecret: string;
  beforeAll(async () => {
    platform = await startTestPlatform(target);
    totpSecret = (
      await platform.authServer!.accounts.create({
        id: 'nurse-7',
        role: 'nurse',
        password: PASSWORD,
      })
    ).totpSecret!;
  });
  afterAll(async () => {
    await platform?.destroy();
  });

  const post = (path: string, token: string | undefined, body?: unknown) =>
    fetch(`${platform.url}${path}`, {
      method: 'POST',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });

  it('registers a passkey for a signed-in nurse, then signs her in with it alone (amr hwk+user)', async () => {
    const url = platform.url;
    const { access_token } = await signInWeb(url, 'nurse-7', PASSWORD, totpSecret);
    const token = String(access_token);
    expect((await post('/auth/passkeys/registration-options', undefined)).status).toBe(401);

    const authenticator = new SoftAuthenticator(url);
    const options = (await (await post('/auth/passkeys/registration-options', token)).json()) as {
      challenge: string;
      user: { id: string };
    };
    const response = authenticator.create(options);
    const created = await post('/auth/passkeys', token, response);
    expect(created.status).toBe(201);
    // The challenge (kept in the database, for any instance of the provider) answers once.
    expect((await post('/auth/passkeys', token, response)).status).toBe(400);

    // Sign in with the passkey on the login page (what passkey.js does).
    const browser = new Browser(url);
    const { verifier, challenge } = pkcePair();
    const q = new URLSearchParams({
      client_id: 'tutela-web',
      response_type: 'code',
      redirect_uri: `${url}/web/callback`,
      scope: 'openid api',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const page = await browser.follow(`${url}/oidc/auth?${q.toString()}`);
    expect(page.text).toContain('Sign in with a passkey');
    const base = formAction(page.text).replace(/\/login$/, '/passkey');
    const opts = await browser.request('POST', `${base}-options`);
    const assertion = authenticator.get(JSON.parse(opts.text) as { challenge: string });
    const done = await browser.request('POST', base, undefined, assertion);
    expect(done.status).toBe(200);
    // The same assertion again: its challenge is spent.
    expect((await browser.request('POST', base, undefined, assertion)).status).toBe(401);

    const { redirectTo } = JSON.parse(done.text) as { redirectTo: string };
    const cb = await browser.follow(redirectTo, `${url}/web/callback`);
    const code = new URL(cb.location!).searchParams.get('code')!;
    const tokens = await tokenRequest(url, {
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: `${url}/web/callback`,
      client_id: 'tutela-web',
    });
    expect(decodeJwt(String(tokens.body.access_token))).toMatchObject({
      sub: 'nurse-7',
      role: 'nurse',
      amr: ['hwk', 'user'],
    });
  });

  it('lists one’s own passkeys and removes one, after which it no longer signs in', async () => {
    const url = platform.url;
    const nurse = String((await signInWeb(url, 'nurse-7', PASSWORD, totpSecret)).access_token);
    const call = (method: string, path: string, token: string | undefined) =>
      fetch(`${url}${path}`, {
        method,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    const mine = async () =>
      (
        (await (await call('GET', '/auth/passkeys', nurse)).json()) as {
          passkeys: Array<{ id: string; createdAt: number }>;
        }
      ).passkeys;
    const authenticator = new SoftAuthenticator(url);
    const options = (await (await post('/auth/passkeys/registration-options', nurse)).json()) as {
      challenge: string;
      user: { id: string };
    };
    const { id } = (await (
      await post('/auth/passkeys', nurse, authenticator.create(options))
    ).json()) as { id: string };
    expect((await mine()).map((p) => p.id)).toContain(id);
    expect((await call('GET', '/auth/passkeys', undefined)).status).toBe(401);

    // Someone else cannot remove it (nor learn that it exists): 404.
    await platform.authServer!.accounts.create({ id: 'fam-7', role: 'family', password: PASSWORD });
    const family = String((await signInWeb(url, 'fam-7', PASSWORD)).access_token);
    expect((await call('DELETE', `/auth/passkeys/${id}`, family)).status).toBe(404);
    expect((await call('GET', '/auth/passkeys', family)).status).toBe(200);
    expect((await mine()).map((p) => p.id)).toContain(id);

    expect((await call('DELETE', `/auth/passkeys/${id}`, nurse)).status).toBe(204);
    expect((await mine()).map((p) => p.id)).not.toContain(id);
    expect((await call('DELETE', `/auth/passkeys/${id}`, nurse)).status).toBe(404);

    // Its assertions are refused from now on.
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
    const base = formAction(page.text).replace(/\/login$/, '/passkey');
    const opts = await browser.request('POST', `${base}-options`);
    const assertion = authenticator.get(JSON.parse(opts.text) as { challenge: string });
    expect((await browser.request('POST', base, undefined, assertion)).status).toBe(401);
  });

  it('refuses an assertion from an unregistered authenticator', async () => {
    const browser = new Browser(platform.url);
    const q = new URLSearchParams({
      client_id: 'tutela-web',
      response_type: 'code',
      redirect_uri: `${platform.url}/web/callback`,
      scope: 'openid api',
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });
    const page = await browser.follow(`${platform.url}/oidc/auth?${q.toString()}`);
    const base = formAction(page.text).replace(/\/login$/, '/passkey');
    const opts = await browser.request('POST', `${base}-options`);
    const stranger = new SoftAuthenticator(platform.url);
    stranger.create({ challenge: 'x', user: { id: Buffer.from('nurse-7').toString('base64url') } });
    const res = await browser.request(
      'POST',
      base,
      undefined,
      stranger.get(JSON.parse(opts.text) as { challenge: string }),
    );
    expect(res.status).toBe(401);
  });
});
