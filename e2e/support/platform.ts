import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { Browser, signInWeb } from '../../src/auth-server/testing.js';
import { loadConfig } from '../../src/core/config/index.js';
import { silentLogger } from '../../src/core/log.js';
import { startDemoWard, type DemoWard } from '../../src/platform/demo/ward.js';
import { startPlatform, type Platform } from '../../src/platform/server.js';

export interface DemoPlatform {
  platform: Platform;
  ward: DemoWard;
  url: string;
  dataDir: string;
  /**
   * An access token of the platform's OpenID provider for a demo person
   * (doctor, nurse, responder, insurer, family, patient-000n), signed in once
   * (password, and a TOTP code for clinical roles, from the demo sheet) and
   * kept for the run: a TOTP code is accepted once only.
   */
  token(person: string): Promise<string>;
  /** The same for any account: signed in through the provider's pages. */
  signInAs(login: string, password: string, totpSecret?: string): Promise<string>;
  close(): Promise<void>;
}

/** Builds the web app (into dist/web, where the platform serves it from). */
export async function buildWebApp(): Promise<void> {
  await build({ configFile: 'vite.config.ts', logLevel: 'warn' });
}

/**
 * The embedded platform as `npm start` runs it: HTTPS with its local CA,
 * SQLite, the demo ward (quick ticks), the web app mounted under /web/.
 */
export async function startDemoPlatform(o: { host?: string } = {}): Promise<DemoPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tutela-e2e-'));
  const config = loadConfig(
    {},
    {
      dataDir,
      port: 0,
      host: o.host ?? '127.0.0.1',
      logLevel: 'silent',
      demo: { enabled: true, patients: 2, tickMs: 1000, timeScale: 30 },
    },
  );
  const platform = await startPlatform(config, silentLogger);
  let ward: DemoWard;
  try {
    ward = await startDemoWard({
      config,
      appServer: platform.appServer!,
      platformUrl: platform.url,
      ca: platform.ca,
      caFile: platform.caFile,
      tls: platform.tls,
      devices: platform.devices,
      log: silentLogger,
    });
  } catch (err) {
    await platform.close();
    throw err;
  }
  const signInAs = async (login: string, password: string, totpSecret?: string) => {
    const ca = platform.ca;
    const tokens = await signInWeb(
      platform.url,
      login,
      password,
      totpSecret,
      new Browser(platform.url, ca),
      ca,
    );
    return String(tokens.access_token);
  };
  const sheet = JSON.parse(readFileSync(join(dataDir, 'demo', 'accounts.json'), 'utf8')) as {
    accounts: Record<string, { password: string; totpSecret?: string }>;
  };
  const tokens = new Map<string, Promise<string>>();
  return {
    platform,
    ward,
    url: platform.url,
    dataDir,
    token(person) {
      const a = sheet.accounts[person];
      if (!a) return Promise.reject(new Error(`no demo account ${person}`));
      if (!tokens.has(person)) tokens.set(person, signInAs(person, a.password, a.totpSecret));
      return tokens.get(person)!;
    },
    signInAs,
    async close() {
      await ward.close();
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
