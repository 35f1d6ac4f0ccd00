import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../../test/support/platform.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import { CaregiverSession } from '../caregiver/session.js';
import { approveDevice } from './demo-sign-in.js';
import { accessToken, login, readTokens, tokensFile } from './login.js';

const PASSWORD = 'amber falcon tessellate 42';
const PT = 'pt-w';
const run = promisify(execFile);

/**
 * `tutela watch` with the tokens of `tutela login` against a platform whose
 * CSE requires the provider's tokens: /app, the CSE and the notification
 * channel all take them, refreshed (and rotated) when they expire.
 */
describe('tutela watch with the login tokens (the CSE requires tokens)', () => {
  let platform: TestPlatform;
  let dataDir: string;

  beforeAll(async () => {
    platform = await startTestPlatform(
      { name: 'sqlite' },
      {
        app: { enabled: true },
        auth: { enabled: true, rateLimitPerMinute: 1000 },
        cse: { requireTokens: true },
      },
    );
    const app = platform.appServer!;
    await app.directory.addUser('fam-w', 'family');
    await platform.authServer!.accounts.create({ id: 'fam-w', role: 'family', password: PASSWORD });
    const gw = await generateKeyPair();
    await app.provision({
      pt: PT,
      gateway: { dev: 'gw-w', publicKey: gw.pair.publicRaw },
      team: ['fam-w'],
    });
    dataDir = mkdtempSync(join(tmpdir(), 'tutela-watch-'));
    let approval: Promise<void> | undefined;
    await login({
      url: platform.url,
      file: tokensFile(dataDir),
      prompt: (p) => {
        approval = approveDevice(platform.url, p.verificationUri, p.userCode, {
          login: 'fam-w',
          password: PASSWORD,
        });
      },
      sleep: async () => {
        await approval;
      },
    });
  });
  afterAll(async () => {
    await platform?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in with the stored tokens, refreshing an expired one, without --as', async () => {
    const before = readTokens(tokensFile(dataDir))!;
    // The access token has expired: watch refreshes it (the refresh token rotates on disk).
    writeFileSync(tokensFile(dataDir), JSON.stringify({ ...before, expiresAt: 0 }), {
      mode: 0o600,
    });
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/clients/cli/main.ts', 'watch', '--once', '--data-dir', dataDir],
      { timeout: 60_000 },
    );
    expect(stdout).toContain(`Signed in as fam-w (family`);
    expect(stdout).toContain(`Patients: ${PT}.`);
    const after = readTokens(tokensFile(dataDir))!;
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    // Its device key lives under the person's own state directory.
    expect(readFileSync(join(dataDir, 'clients', 'fam-w', 'device.json'), 'utf8')).toMatch(
      /device/,
    );
  });

  it('opens the notification channel with the token, which the CSE checks', async () => {
    const session = new CaregiverSession({
      baseUrl: platform.url,
      token: () => accessToken(tokensFile(dataDir)),
      stateDir: join(dataDir, 'clients', 'fam-w'),
    });
    try {
      await session.start();
      await expect(
        session.listen(
          () => undefined,
          () => undefined,
        ),
      ).resolves.toBeUndefined();
      // The subscription's verification reaches the AE over that channel (as watch does it).
      await expect(session.subscribe(PT, 'all')).resolves.toMatch(/^\/cse-in\//);
    } finally {
      await session.close();
    }
    // Someone else's token for fam-w's AE: the CSE refuses the channel.
    const other = new CaregiverSession({
      baseUrl: platform.url,
      token: async () => 'someone-elses-token',
      stateDir: join(dataDir, 'clients', 'other'),
    });
    other.me = { id: 'fam-w', role: 'family', al: 'N', ae: 'Cfam-w', patients: [] };
    try {
      await expect(
        other.listen(
          () => undefined,
          () => undefined,
        ),
      ).rejects.toThrow(/HTTP 401/);
    } finally {
      await other.close();
    }
  });
});
