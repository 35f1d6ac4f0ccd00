import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { approveDevice } from './demo-sign-in.js';
import { accessToken, login, readTokens, tokensFile } from './login.js';

const PASSWORD = 'amber falcon tessellate 42';

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
      file: tokensFile(dataDir),
      prompt: (p) => {
        expect(p.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
        approval = approveDevice(platform.url, p.verificationUri, p.userCode, {
          login: 'fam-5',
          password: PASSWORD,
        });
      },
      sleep: async () => {
        await approval;
      },
    });
    expect(decodeJwt(tokens.accessToken)).toMatchObject({ sub: 'fam-5', client_id: 'tutela-cli' });
    expect(statSync(tokensFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(await accessToken(tokensFile(dataDir))).toBe(tokens.accessToken);

    // An expired access token is refreshed; the refresh token rotates on disk.
    writeFileSync(tokensFile(dataDir), JSON.stringify({ ...tokens, expiresAt: 0 }), {
      mode: 0o600,
    });
    const fresh = await accessToken(tokensFile(dataDir));
    expect(fresh).not.toBe(tokens.accessToken);
    const stored = readTokens(tokensFile(dataDir))!;
    expect(stored.refreshToken).toBeTruthy();
    expect(stored.refreshToken).not.toBe(tokens.refreshToken);
    expect(await platform.authServer!.verifier()(fresh)).toMatchObject({ sub: 'fam-5' });
  });
});
