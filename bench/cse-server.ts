/**
 * The platform (CSE and its HTTP binding) in a child process of bench/run.ts,
 * over plain HTTP: TLS is off because the benchmark measures the CSE, not
 * TLS. The parent passes config overrides (dataDir, database) as JSON in
 * BENCH_CSE_OVERRIDES and gives this process a scrubbed environment.
 *
 * For bench/notify-cost.ts it also answers `profileStart` and `profileStop`
 * (a V8 CPU profile of a chosen window, through the inspector, which names
 * better-sqlite3's native calls) and, with BENCH_SQL_STATS=1, `sql`
 * (statements run and their time, see sql-stats.ts).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../src/core/config/index.js';
import { silentLogger } from '../src/core/log.js';
import { startPlatform } from '../src/platform/server.js';
import { serveAsChild } from './child-protocol.js';
import { instrumentSqlite } from './sql-stats.js';

const sqlStats = process.env.BENCH_SQL_STATS === '1' ? instrumentSqlite(true) : undefined;
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
const inspector = new Session();
serveAsChild(
  { url: platform.url, database: config.database.url ? 'postgres' : 'sqlite', cse: config.cse.rn },
  () => platform.close(),
  {
    profileStart: async () => {
      inspector.connect();
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.start');
    },
    profileStop: async (file) => {
      const { profile } = await inspector.post('Profiler.stop');
      inspector.disconnect();
      writeFileSync(file as string, JSON.stringify(profile));
    },
    sql: () => Promise.resolve(sqlStats?.() ?? {}),
  },
);
