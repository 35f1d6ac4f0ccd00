import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { readDemoCredentials } from '../../src/clients/cli/credentials.js';
import { loadConfig } from '../../src/core/config/index.js';
import { silentLogger } from '../../src/core/log.js';
import { startDemoWard, type DemoWard } from '../../src/platform/demo/ward.js';
import { startPlatform, type Platform } from '../../src/platform/server.js';

export interface DemoPlatform {
  platform: Platform;
  ward: DemoWard;
  url: string;
  dataDir: string;
  /** API token of a demo person (doctor, nurse, responder, insurer, family). */
  token(person: string): string;
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
export async function startDemoPlatform(): Promise<DemoPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tutela-e2e-'));
  const config = loadConfig(
    {},
    {
      dataDir,
      port: 0,
      host: '127.0.0.1',
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
  const creds = readDemoCredentials(dataDir);
  return {
    platform,
    ward,
    url: platform.url,
    dataDir,
    token(person) {
      const t = creds?.users[person]?.token;
      if (!t) throw new Error(`no demo credentials for ${person}`);
      return t;
    },
    async close() {
      await ward.close();
      await platform.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
