import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config/index.js';
import { apiTokensOn } from './server.js';
import { databaseTargets } from '../core/db/testing.js';
import { generateKeyPair } from '../crypto/hpke.js';
import { signInWeb, tokenRequest } from '../auth-server/testing.js';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform.js';

const PT = 'pt-oidc';
const PASSWORD = 'correct horse battery staple 42';

describe.each(databaseTargets())(
  '/app takes the OpenID provider access tokens ($name)',
  (target) => {
    let platform: TestPlatform;
    let apiToken: string;
    let nurseTotp: string;
    let nurseApiToken: string;

    const me = async (token: string) => {
      const res = await fetch(`${platform.url}/app/me`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    beforeAll(async () => {
      platform = await startTestPlatform(target, {
        app: { enabled: true },
        auth: { enabled: true, rateLimitPerMinute: 1000 },
      });
      const app = platform.appServer!;
      const accounts = platform.authServer!.accounts;
      apiToken = await app.directory.addUser('fam', 'family');
      nurseApiToken = await app.directory.addUser('nur', 'nurse');
      await app.directory.addUser('ins', 'insurer');
      await accounts.create({ id: 'fam', role: 'family', password: PASSWORD });
      nurseTotp = (await accounts.create({ id: 'nur', role: 'nurse', password: PASSWORD }))
        .totpSecret!;
      // An account whose role differs from the application server's record of that person.
      await accounts.create({ id: 'ins', role: 'family', password: PASSWORD });
      const gw = await generateKeyPair();
      await app.provision({
        pt: PT,
        gateway: { dev: 'gw-o', publicKey: gw.pair.publicRaw },
        team: ['fam'],
      });
    });

    afterAll(async () => {
      await platform.destroy();
    });

    it('knows the person behind an access token, and whether they used a second factor', async () => {
      const fam = await signInWeb(platform.url, 'fam', PASSWORD);
      const res = await me(String(fam.access_token));
      expect(res).toMatchObject({ status: 200, body: { id: 'fam', role: 'family' } });
      const user = await platform.appServer!.episodes.participation(PT, 'fam');
      expect(user).toBeDefined();

      // The nurse (outside the episode) signed in with TOTP: the second factor reaches the policies,
      // and breaking the glass is allowed; with an interim API token (no second factor) it is not.
      const nurse = await signInWeb(platform.url, 'nur', PASSWORD, nurseTotp);
      expect((await me(String(nurse.access_token))).body).toMatchObject({
        id: 'nur',
        role: 'nurse',
      });
      const breakGlass = (token: string) =>
        fetch(`${platform.url}/app/emergency`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ pt: PT, reason: 'collapsed in the street' }),
        }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as Record<string, unknown>,
        }));
      expect(await breakGlass(nurseApiToken)).toMatchObject({
        status: 403,
        body: { error: 'mfa_required' },
      });
      expect(await breakGlass(String(nurse.access_token))).toMatchObject({
        status: 201,
        body: { grant: { pt: PT, user: 'nur' } },
      });
      const after = await me(String(nurse.access_token));
      expect(after.body.patients).toEqual([
        expect.objectContaining({
          pt: PT,
          al: 'R',
          emergency: expect.objectContaining({ grant: expect.any(String) }),
        }),
      ]);
    });

    it('refuses tokens of clients acting for themselves, of roles that do not match, and forged ones', async () => {
      const client = await tokenRequest(
        platform.url,
        { grant_type: 'client_credentials', scope: 'api' },
        `tutela-app-server:${platform.authServer!.appServerSecret}`,
      );
      expect((await me(String(client.body.access_token))).status).toBe(401);
      const ins = await signInWeb(platform.url, 'ins', PASSWORD);
      expect((await me(String(ins.access_token))).status).toBe(401);
      const fam = String((await signInWeb(platform.url, 'fam', PASSWORD)).access_token);
      const [h, p, s] = fam.split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), role: 'doctor' })).toString('base64url')}.${s}`;
      expect((await me(forged)).status).toBe(401);
      // The interim API token still works while auth.apiTokens is on (as the test platform sets it).
      expect((await me(apiToken)).status).toBe(200);
    });
  },
);

describe('/app with auth.apiTokens off', () => {
  it('takes only the provider access tokens', async () => {
    const platform = await startTestPlatform(
      { name: 'sqlite' },
      {
        app: { enabled: true },
        auth: { enabled: true, apiTokens: false, rateLimitPerMinute: 1000 },
      },
    );
    try {
      const token = await platform.appServer!.directory.addUser('fam', 'family');
      await platform.authServer!.accounts.create({ id: 'fam', role: 'family', password: PASSWORD });
      const get = (t: string) =>
        fetch(`${platform.url}/app/me`, { headers: { authorization: `Bearer ${t}` } }).then(
          (r) => r.status,
        );
      expect(await get(token)).toBe(401);
      expect(await get(String((await signInWeb(platform.url, 'fam', PASSWORD)).access_token))).toBe(
        200,
      );
    } finally {
      await platform.destroy();
    }
  });
});

describe('whether /app takes interim API tokens', () => {
  it('does only when configured: never by default, the demo ward included', () => {
    const on = (overrides: Record<string, unknown>) =>
      apiTokensOn(loadConfig({}, { dataDir: tmpdir(), ...overrides }));
    expect(on({ demo: { enabled: true } })).toBe(false);
    expect(on({ demo: { enabled: false } })).toBe(false);
    expect(on({ demo: { enabled: true }, auth: { apiTokens: false } })).toBe(false);
    expect(on({ demo: { enabled: false }, auth: { apiTokens: true } })).toBe(true);
  });
});
