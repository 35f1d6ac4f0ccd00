import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetch } from 'undici';
import { decodeJwt } from 'jose';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { databaseTargets } from '../../core/db/testing.js';
import { createAccessTokenVerifier } from '../../core/auth/index.js';
import { currentTotp } from '../accounts/totp.js';
import { Browser, formAction, hiddenInput, pkcePair, signInWeb, tokenRequest } from '../testing.js';

const PASSWORD = 'amber falcon tessellate 42';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function revoke(url: string, token: string, clientId: string): Promise<number> {
  const res = await fetch(`${url}/oidc/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: clientId }).toString(),
  });
  return res.status;
}

describe.each(databaseTargets())(
  'tokens: device grant, rotation, replay, revocation ($name)',
  (target) => {
    let platform: TestPlatform;
    let totpSecret: string;

    beforeAll(async () => {
      platform = await startTestPlatform(target, { auth: { idleTimeoutSec: 3 } });
      const accounts = platform.authServer!.accounts;
      await accounts.create({ id: 'fam-2', role: 'family', password: PASSWORD });
      totpSecret = (await accounts.create({ id: 'doc-2', role: 'doctor', password: PASSWORD }))
        .totpSecret!;
    });
    afterAll(async () => {
      await platform?.destroy();
    });

    it('runs the device authorization grant (RFC 8628) for the CLI, with the second factor', async () => {
      const url = platform.url;
      const start = await fetch(`${url}/oidc/device/auth`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: 'tutela-cli',
          scope: 'openid offline_access api',
        }).toString(),
      });
      expect(start.status).toBe(200);
      const device = (await start.json()) as Record<string, string>;
      expect(device.verification_uri).toBe(`${url}/oidc/device`);
      // Before the user confirms, polling says so (§3.5).
      const early = await tokenRequest(url, {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: device.device_code!,
        client_id: 'tutela-cli',
      });
      expect(early.body.error).toBe('authorization_pending');

      const browser = new Browser(url);
      const entry = await browser.request('GET', device.verification_uri!);
      expect(entry.status).toBe(200);
      // RFC 8628 §3.3: the user enters the code, checks it, then signs in.
      const confirm = await browser.request('POST', formAction(entry.text), {
        xsrf: hiddenInput(entry.text, 'xsrf'),
        user_code: device.user_code!,
      });
      expect(confirm.text).toContain('Confirm the device');
      expect(confirm.text).toContain(device.user_code!);
      let r = await browser.request('POST', formAction(confirm.text), {
        xsrf: hiddenInput(confirm.text, 'xsrf'),
        user_code: hiddenInput(confirm.text, 'user_code'),
        confirm: 'yes',
      });
      r = await browser.follow(r.location!);
      expect(r.text).toContain('Password');
      r = await browser.request('POST', formAction(r.text), { login: 'doc-2', password: PASSWORD });
      r = await browser.request('POST', formAction(r.text), { otp: currentTotp(totpSecret) });
      expect(r.status).toBe(303);
      r = await browser.follow(r.location!);
      expect(r.text).toContain('Device signed in');

      const tokens = await tokenRequest(url, {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: device.device_code!,
        client_id: 'tutela-cli',
      });
      expect(tokens.status).toBe(200);
      expect(decodeJwt(String(tokens.body.access_token))).toMatchObject({
        sub: 'doc-2',
        role: 'doctor',
        client_id: 'tutela-cli',
        amr: ['pwd', 'otp'],
        aud: url,
      });
      // The device code is single use.
      const again = await tokenRequest(url, {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        device_code: device.device_code!,
        client_id: 'tutela-cli',
      });
      expect(again.status).toBe(400);
      expect(again.body.error).toBe('invalid_grant');
    });

    it('rotates refresh tokens; replaying a used one is refused and revokes the whole grant', async () => {
      const first = await signInWeb(platform.url, 'fam-2', PASSWORD);
      const rt1 = String(first.refresh_token);
      const refresh = (rt: string) =>
        tokenRequest(platform.url, {
          grant_type: 'refresh_token',
          refresh_token: rt,
          client_id: 'tutela-web',
        });
      const second = await refresh(rt1);
      expect(second.status).toBe(200);
      const rt2 = String(second.body.refresh_token);
      expect(rt2).not.toBe(rt1);
      const replay = await refresh(rt1);
      expect(replay.status).toBe(400);
      expect(replay.body.error).toBe('invalid_grant');
      // The thief's replay also ends the legitimate holder's chain (BCP §4.14.2).
      expect((await refresh(rt2)).body.error).toBe('invalid_grant');
    });

    it('refuses a revoked refresh token (RFC 7009)', async () => {
      const tokens = await signInWeb(platform.url, 'fam-2', PASSWORD);
      expect(await revoke(platform.url, String(tokens.refresh_token), 'tutela-web')).toBe(200);
      const after = await tokenRequest(platform.url, {
        grant_type: 'refresh_token',
        refresh_token: String(tokens.refresh_token),
        client_id: 'tutela-web',
      });
      expect(after.body.error).toBe('invalid_grant');
    });

    it('ends a sign-in after inactivity (idle timeout), not while it is used', async () => {
      const browser = new Browser(platform.url);
      const tokens = await signInWeb(platform.url, 'fam-2', PASSWORD, undefined, browser);
      let rt = String(tokens.refresh_token);
      const refresh = () =>
        tokenRequest(platform.url, {
          grant_type: 'refresh_token',
          refresh_token: rt,
          client_id: 'tutela-web',
        });
      for (let i = 0; i < 2; i++) {
        await sleep(1800); // under the 3 s idle timeout each time, 3.6 s in all
        const r = await refresh();
        expect(r.status).toBe(200);
        rt = String(r.body.refresh_token);
      }
      await sleep(3500);
      const late = await refresh();
      expect(late.status).toBe(400);
      expect(late.body.error).toBe('invalid_grant');
      // The browser's session at the provider has ended too: the password is asked again.
      const q = new URLSearchParams({
        client_id: 'tutela-web',
        response_type: 'code',
        redirect_uri: `${platform.url}/web/callback`,
        scope: 'openid api',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
      });
      const again = await browser.follow(
        `${platform.url}/oidc/auth?${q.toString()}`,
        `${platform.url}/web/callback`,
      );
      expect(again.text).toContain('<label for="password">Password</label>');
    });

    it('the verifier refuses an expired token, another audience, another issuer, or a forged one', async () => {
      const tokens = await signInWeb(platform.url, 'fam-2', PASSWORD);
      const at = String(tokens.access_token);
      const server = platform.authServer!;
      const jwksUrl = new URL(`${platform.url}/oidc/jwks`);
      const base = { issuer: server.issuer, audience: server.audience, jwks: jwksUrl };
      await expect(createAccessTokenVerifier(base)(at)).resolves.toMatchObject({ sub: 'fam-2' });
      const later = () => new Date(Date.now() + 301_000 + 5_000);
      await expect(createAccessTokenVerifier({ ...base, currentDate: later })(at)).rejects.toThrow(
        /expired/,
      );
      await expect(
        createAccessTokenVerifier({ ...base, audience: 'https://elsewhere.example' })(at),
      ).rejects.toThrow(/aud/);
      await expect(
        createAccessTokenVerifier({ ...base, issuer: 'https://elsewhere.example/oidc' })(at),
      ).rejects.toThrow(/iss/);
      const [h, p, s] = at.split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...decodeJwt(at), role: 'doctor' })).toString('base64url')}.${s}`;
      expect(p).not.toBe(forged.split('.')[1]);
      await expect(createAccessTokenVerifier(base)(forged)).rejects.toThrow(/not valid/);
      // An ID token (typ JWT, aud = client) is not an access token.
      await expect(createAccessTokenVerifier(base)(String(tokens.id_token))).rejects.toThrow();
    });
  },
);
