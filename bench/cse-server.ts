/**
 * The platform (CSE and its HTTP binding) in a child process of bench/run.ts,
 * over plain HTTP: TLS is off because the benchmark measures the CSE, not
 * TLS. The parent passes config overrides (dataDir, database) as JSON in
 * BENCH_CSE_OVERRIDES and gives this process a scrubbed environment.
 */
import { loadConfig } from '../src/core/config/index.js';
import { silentLogger } from '../src/core/log.js';
import { startPlatform } from '../src/platform/server.js';
import { serveAsChild } from './child-protocol.js';

const overrides = JSON.parse(process.env.BENCH_CSE_OVERRIDES ?? '{}') as Record<string, unknown>;
const config = loadConfig(process.env, {
  ...overrides,
  port: 0,
  tls: { enabled: false },
  logLevel: 'silent',
  // The CSE's own cost, its clients speaking as plain originators (the pipeline part runs with
  // tokens required, as a deployment does).
  cse: { ...(overrides.cse as object | undefined), requireTokens: false },
});
const platform = await startPlatform(config, silentLogger);
serveAsChild(
  { url: platform.url, database: config.database.url ? 'postgres' : 'sqlite', cse: config.cse.rn },
  () => platform.close(),
);
