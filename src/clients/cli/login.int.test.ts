import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { Browser, formAction, hiddenInput } from '../../auth-server/testing.js';
import { accessToken, login, readTokens, tokensFile } from './login.js';

const PASSWORD = 'amber falcon tessellate 42';

/** The person at the web page: enters the code, confirms, signs in. */
async function approve(url: string, verificationUri: string, userCode: string) {
  const b = new Browser(url);
  const entry = await b.request('GET', verificationUri);
  const confirm = await b.request('POST', formAction(entry.text), {
    xsrf: hiddenInput(entry.text, 'xsrf'),
    user_code: userCode,
  });
  let r = await b.request('POST', formAction(confirm.text), {
    xsrf: hiddenInput(confirm.text, 'xsrf'),
    user_code: hiddenInput(confirm.text, 'user_code'),
    confirm: 'yes',
  });
  r = await b.follow(r.location!);
  r = await b.request('POST', formAction(r.text), { login: 'fam-5', password: PASSWORD });
  r = await b.follow(r.location!);
  if (!r.text.includes('Device signed in')) throw new Error('device sign-in not confirmed');
}

describe('tutela login (device grant)', () => {
  let platform: TestPlatform;
  let dataDir: string;
  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'sqlite' });
    await platform.authServer!.accounts.create({ id: 'fam-5', role: 'family', password: PASSWORD });
    dataDir = mkdtempSync(join(tmpdir(), 'tutela-cli-'));
  });
  afterAll(async () => {
    await platform?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in through the web page, stores tokens 0600, refreshes with rotation', async () => {
    let approval: Promise<void> | undefined;
    const tokens = await login({
      url: platform.url,
      dataDir,
      prompt: (p) => {
        expect(p.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
        approval = approve(platform.url, p.verificationUri, p.userCode);
      },
      sleep: async () => {
        await approval;
      },
    });
    expect(decodeJwt(tokens.accessToken)).toMatchObject({ sub: 'fam-5', client_id: 'tutela-cli' });
    expect(statSync(tokensFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(await accessToken(dataDir)).toBe(tokens.accessToken);

    // An expired access token is refreshed; the refresh token rotates on disk.
    writeFileSync(tokensFile(dataDir), JSON.stringify({ ...tokens, expiresAt: 0 }), {
      mode: 0o600,
    });
    const fresh = await accessToken(dataDir);
    expect(fresh).not.toBe(tokens.accessToken);
    const stored = readTokens(dataDir)!;
    expect(stored.refreshToken).toBeTruthy();
    expect(stored.refreshToken).not.toBe(tokens.refreshToken);
    expect(await platform.authServer!.verifier()(fresh)).toMatchObject({ sub: 'fam-5' });
  });
});
