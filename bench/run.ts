/**
 * `npm run bench [-- --seconds N] [--json] [--postgres] [--profile]`:
 * baselines (bare node:http, raw better-sqlite3), then the CSE in a child
 * process: saturated contentInstance creates and notification latency at
 * half that rate. Prints a table (unless --json) and, as the last line of
 * stdout, the report as one JSON object; also writes bench-results/latest.json.
 * Missed targets are reported, not turned into an exit code.
 */
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dbBaseline, httpBaseline } from './baselines.js';
import { cleanupAll, installCleanupHandlers } from './cleanup.js';
import { STRAGGLER_WAIT_MS, benchCse } from './cse.js';
import { CONTENT_BYTES } from './m2m.js';
import { summariseProfile, type ProfileSummary } from './profile.js';
import {
  cseReport,
  formatTable,
  resultsDir,
  targetsFor,
  writeLatest,
  type Report,
} from './report.js';

const USAGE = `usage: npm run bench -- [--seconds N] [--json] [--postgres] [--profile]
  --seconds N   duration of each load phase (default 10)
  --json        print only the JSON report line on stdout
  --postgres    also run the CSE phases on PostgreSQL (needs DATABASE_URL)
  --profile     write a V8 CPU profile of the SQLite CSE process and summarise it`;

const CONNECTIONS = 32;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      postgres: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const seconds = Number(values.seconds);
  if (!Number.isFinite(seconds) || seconds < 1 || seconds > 120) {
    console.error(`--seconds must be a number from 1 to 120\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const startedAt = new Date();
  const loadAvg1mAtStart = Math.round(os.loadavg()[0]! * 100) / 100;
  const warmupSeconds = Math.min(2, Math.max(1, Math.round(seconds / 5)));
  const log = (msg: string) => console.error(`[bench] ${msg}`);
  const notes: string[] = [];
  installCleanupHandlers();

  log(`baseline: bare node:http for ${seconds} s`);
  const http = await httpBaseline({ seconds, warmupSeconds, connections: CONNECTIONS });
  log('baseline: raw better-sqlite3 inserts for 2 s');
  const db = dbBaseline(2);

  const profileDir = values.profile
    ? join(resultsDir(), 'profiles', startedAt.toISOString().replace(/:/g, '-'))
    : undefined;
  if (profileDir)
    notes.push('the SQLite CSE ran under --cpu-prof: its numbers are lower than without profiling');
  const common = { seconds, warmupSeconds, connections: CONNECTIONS, log };
  const sqlite = await benchCse({
    ...common,
    database: 'sqlite',
    ...(profileDir ? { profileDir } : {}),
  });

  let postgres;
  if (values.postgres) {
    const url = process.env.DATABASE_URL;
    if (url) postgres = await benchCse({ ...common, database: 'postgres', databaseUrl: url });
    else notes.push('--postgres given but DATABASE_URL is not set: PostgreSQL skipped');
  } else if (process.env.DATABASE_URL) {
    notes.push('DATABASE_URL is set but ignored without --postgres (the CSE ran on SQLite)');
  }

  let profile: ProfileSummary | undefined;
  if (sqlite.profile) profile = summariseProfile(sqlite.profile);
  else if (profileDir) notes.push(`no CPU profile found in ${profileDir}`);

  const cse = cseReport(sqlite, http.okPerSec, db.insertsPerSec);
  const csePostgres = postgres && cseReport(postgres, http.okPerSec, db.insertsPerSec);
  if (http.non2xx > 0 || http.errors > 0)
    notes.push(`bare HTTP baseline had ${http.non2xx} non-2xx and ${http.errors} errors`);
  for (const c of [cse, csePostgres]) {
    if (!c) continue;
    if (c.createNon2xx > 0 || c.createErrors > 0)
      notes.push(
        `create phase had ${c.createNon2xx} non-2xx and ${c.createErrors} errors: ${JSON.stringify(c.createStatusCodes)}`,
      );
    if (c.notifyMissing > 0 || c.notifyColdMissing > 0)
      notes.push(
        `${c.notifyMissing} notifications (${c.notifyColdMissing} in the warm-up) had not arrived ${STRAGGLER_WAIT_MS / 1000} s after the load ended`,
      );
    if (c.notifyCreateFirstError)
      notes.push(
        `half-load creates failed (${c.notifyCreateFailures}): ${c.notifyCreateFirstError}`,
      );
  }

  const cpus = os.cpus();
  const report: Report = {
    benchmark: 'tutela-cse',
    date: startedAt.toISOString(),
    runtimeSec: Math.round((performance.now() - started) / 100) / 10,
    secondsPerPhase: seconds,
    machine: {
      cores: cpus.length,
      node: process.version,
      cpuModel: cpus[0]?.model.trim() ?? 'unknown',
      loadAvg1mAtStart,
    },
    database: 'sqlite',
    load: {
      connections: CONNECTIONS,
      pipelining: 1,
      contentBytes: CONTENT_BYTES,
      warmupSeconds,
      tls: false,
    },
    baseline: {
      httpReqPerSec: Math.round(http.okPerSec),
      httpNon2xx: http.non2xx,
      httpErrors: http.errors + http.timeouts,
      httpCpuUsPerReq: Math.round(http.cpuUsPerReq),
      dbInsertsPerSec: Math.round(db.insertsPerSec),
    },
    cse,
    ...(csePostgres ? { csePostgres } : {}),
    targets: [
      ...targetsFor('cse', cse),
      ...(csePostgres ? targetsFor('csePostgres', csePostgres) : []),
    ],
    ...(profile ? { profile } : {}),
    notes,
  };
  const file = writeLatest(report);
  log(`wrote ${file}`);
  if (!values.json) console.log(formatTable(report));
  console.log(JSON.stringify(report));
}

main()
  .catch((err: unknown) => {
    console.error('[bench] failed:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
