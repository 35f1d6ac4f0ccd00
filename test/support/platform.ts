import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/core/config/index.js';
import { dropPostgresSchema } from '../../src/core/db/index.js';
import type { DatabaseTarget } from '../../src/core/db/testing.js';
import { silentLogger } from '../../src/core/log.js';
import { startPlatform, type Platform } from '../../src/platform/server.js';

export interface TestPlatform extends Platform {
  dataDir: string;
  /** Stops the platform and starts it again on the same data and configuration (a new port). */
  restart(): Promise<TestPlatform>;
  /** Stops the platform and removes its data directory and PostgreSQL schema. */
  destroy(): Promise<void>;
}

/** The whole platform in this process on a free port, on the given database, plain HTTP unless asked. */
export async function startTestPlatform(
  target: DatabaseTarget,
  overrides: Record<string, unknown> = {},
): Promise<TestPlatform> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tutela-it-'));
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const config = loadConfig(
    {},
    {
      dataDir,
      port: 0,
      logLevel: 'silent',
      tls: { enabled: false },
      demo: { enabled: false },
      app: { enabled: false },
      database: { ...(target.url ? { url: target.url } : {}), pgSchemaPrefix: prefix },
      ...overrides,
      // Tests sign people in with interim API tokens unless they say otherwise.
      auth: { apiTokens: true, ...((overrides.auth as object | undefined) ?? {}) },
      // Most tests speak to the CSE as any originator: tokens only where a test asks for them.
      cse: { requireTokens: false, ...(overrides.cse as Record<string, unknown> | undefined) },
    },
  );
  return start(config, target, dataDir, prefix);
}

async function start(
  config: ReturnType<typeof loadConfig>,
  target: DatabaseTarget,
  dataDir: string,
  prefix: string,
): Promise<TestPlatform> {
  const platform = await startPlatform(config, silentLogger);
  return {
    ...platform,
    dataDir,
    async restart() {
      await platform.close();
      return start(config, target, dataDir, prefix);
    },
    async destroy() {
      await platform.close();
      if (target.url)
        for (const zone of ['cse', 'app', 'auth'])
          await dropPostgresSchema(target.url, `${prefix}_${zone}`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
