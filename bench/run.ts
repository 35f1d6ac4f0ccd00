/**
 * `npm run bench [-- --seconds N] [--json] [--postgres] [--profile] [--only cse|pipeline|ws]`:
 * baselines (bare node:http, raw better-sqlite3), then the CSE in a child
 * process: saturated contentInstance creates and notification latency at
 * half that rate; then the whole monitoring pipeline (CSE + application
 * server in a child process, gateways and caregivers here) at the highest
 * load it sustains (with alerts to a responder's live channel); then
 * 10,000 caregiver sockets on the live alert channel of a fresh platform
 * process (memory per socket, one alert broadcast to all); then the cost
 * of the labelling and redaction stages per tick, in this process. Prints a table (unless --json) and, as the last line of
 * stdout, the report as one JSON object; also writes bench-results/latest.json.
 * Missed targets are reported, not turned into an exit code.
 */
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { dbBaseline, httpBaseline } from './baselines.js';
import { cleanupAll, installCleanupHandlers } from './cleanup.js';
import { STRAGGLER_WAIT_MS, benchCse, type CseResult } from './cse.js';
import { CONTENT_BYTES } from './m2m.js';
import { benchPipeline, type PipelineResult } from './pipeline.js';
import { pipelineStages, summariseProfile, type ProfileSummary } from './profile.js';
import { pipelineReport, pipelineTargets } from './pipeline-report.js';
import { benchPrivacy, type PrivacyResult } from './privacy-stages.js';
import { benchSockets, type SocketsResult } from './sockets.js';
import { wsTargets } from './sockets-report.js';
import {
  cseReport,
  formatTable,
  resultsDir,
  targetsFor,
  writeLatest,
  type Report,
} from './report.js';

const USAGE = `usage: npm run bench -- [--seconds N] [--json] [--postgres] [--profile] [--only PART] [--patients N]
  --seconds N   duration of each load phase (default 10); pipeline search steps take N/2.5 (2–4 s)
  --json        print only the JSON report line on stdout
  --postgres    also run the CSE phases on PostgreSQL (needs DATABASE_URL)
  --profile     write V8 CPU profiles of the server processes (SQLite CSE, pipeline platform) and summarise them
  --only PART   run one part: cse (baselines and CSE phases), pipeline (SQLite baseline and pipeline),
                ws (SQLite baseline and the connected-caregivers part)
                or privacy (SQLite baseline and the labelling and redaction stages, in process)
  --patients N  patients (one gateway each) in the pipeline phase (default 50)
  --clients N   caregiver sockets in the ws part (default 10000)`;

const CONNECTIONS = 32;
const PARTS = ['cse', 'pipeline', 'ws', 'privacy'] as const;
type Part = (typeof PARTS)[number];

/**
 * How busy the machine's CPUs were over `ms` (all processes), before the
 * benchmark starts anything: the load average lags by minutes (and still
 * holds a previous run), this does not.
 */
async function machineBusyPct(ms: number): Promise<number> {
  const total = () =>
    os.cpus().reduce(
      (acc, c) => {
        const t = c.times;
        acc.idle += t.idle;
        acc.all += t.user + t.nice + t.sys + t.idle + t.irq;
        return acc;
      },
      { idle: 0, all: 0 },
    );
  const a = total();
  await new Promise((r) => setTimeout(r, ms));
  const b = total();
  const all = b.all - a.all;
  return all > 0 ? Math.round((100 * (all - (b.idle - a.idle))) / all) : 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
      postgres: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      only: { type: 'string' },
      patients: { type: 'string', default: '50' },
      clients: { type: 'string', default: '10000' },
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
  if (values.only !== undefined && !PARTS.includes(values.only as Part)) {
    console.error(`--only must be one of ${PARTS.join(', ')}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const parts: Part[] = values.only ? [values.only as Part] : [...PARTS];
  const patients = Number(values.patients);
  if (!Number.isInteger(patients) || patients < 1 || patients > 500) {
    console.error(`--patients must be an integer from 1 to 500\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const clients = Number(values.clients);
  if (!Number.isInteger(clients) || clients < 1 || clients > 50_000) {
    console.error(`--clients must be an integer from 1 to 50000\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const started = performance.now();
  const startedAt = new Date();
  const loadAvg1mAtStart = Math.round(os.loadavg()[0]! * 100) / 100;
  const busyPctAtStart = await machineBusyPct(1000);
  const warmupSeconds = Math.min(2, Math.max(1, Math.round(seconds / 5)));
  const log = (msg: string) => console.error(`[bench] ${msg}`);
  const notes: string[] = [];
  installCleanupHandlers();

  let http: Awaited<ReturnType<typeof httpBaseline>> | undefined;
  if (parts.includes('cse')) {
    log(`baseline: bare node:http for ${seconds} s`);
    http = await httpBaseline({ seconds, warmupSeconds, connections: CONNECTIONS });
  }
  log('baseline: raw better-sqlite3 inserts for 2 s');
  const db = dbBaseline(2);

  const profileDir = values.profile
    ? join(resultsDir(), 'profiles', startedAt.toISOString().replace(/:/g, '-'))
    : undefined;
  if (profileDir)
    notes.push(
      'the server processes ran under --cpu-prof: their numbers are lower than without profiling',
    );
  const common = { seconds, warmupSeconds, connections: CONNECTIONS, log };
  let sqlite: CseResult | undefined;
  let postgres: CseResult | undefined;
  if (parts.includes('cse')) {
    sqlite = await benchCse({
      ...common,
      database: 'sqlite',
      ...(profileDir ? { profileDir } : {}),
    });
    if (values.postgres) {
      const url = process.env.DATABASE_URL;
      if (url) postgres = await benchCse({ ...common, database: 'postgres', databaseUrl: url });
      else notes.push('--postgres given but DATABASE_URL is not set: PostgreSQL skipped');
    } else if (process.env.DATABASE_URL) {
      notes.push('DATABASE_URL is set but ignored without --postgres (the CSE ran on SQLite)');
    }
  }

  let pipelineRun: PipelineResult | undefined;
  if (parts.includes('pipeline')) {
    pipelineRun = await benchPipeline({
      seconds,
      stepSeconds: Math.min(4, Math.max(2, Math.round(seconds / 2.5))),
      patients,
      connections: CONNECTIONS,
      log,
      ...(profileDir ? { profileDir: join(profileDir, 'pipeline') } : {}),
    });
  }

  let ws: SocketsResult | undefined;
  if (parts.includes('ws')) {
    ws = await benchSockets({
      clients,
      log,
      ...(profileDir ? { profileDir: join(profileDir, 'ws') } : {}),
    });
    if (ws.failed > 0) notes.push(`ws: ${ws.failed} sockets did not open: ${ws.firstError}`);
    if (ws.broadcastReached < ws.connectedClients)
      notes.push(
        `ws: the alert reached ${ws.broadcastReached} of ${ws.connectedClients} open sockets`,
      );
  }

  let privacy: PrivacyResult | undefined;
  if (parts.includes('privacy')) {
    log('privacy: label() and versions() on 200 ticks, 40 rounds');
    privacy = benchPrivacy();
  }

  let profile: ProfileSummary | undefined;
  if (sqlite?.profile) profile = summariseProfile(sqlite.profile);
  else if (profileDir && sqlite) notes.push(`no CPU profile of the CSE found in ${profileDir}`);
  let pipelineProfile: ProfileSummary | undefined;
  const wsProfile = ws?.profile ? summariseProfile(ws.profile) : undefined;
  if (pipelineRun?.profile)
    pipelineProfile = summariseProfile(pipelineRun.profile, 25, pipelineStages);
  else if (profileDir && pipelineRun)
    notes.push(`no CPU profile of the pipeline platform found in ${profileDir}/pipeline`);

  const cse = sqlite && http && cseReport(sqlite, http.okPerSec, db.insertsPerSec);
  const csePostgres = postgres && http && cseReport(postgres, http.okPerSec, db.insertsPerSec);
  if (http && (http.non2xx > 0 || http.errors > 0))
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
  const pipeline = pipelineRun && pipelineReport(pipelineRun, db.insertsPerSec, cse);
  if (pipeline && pipelineProfile?.stages) {
    // The profile covers the server's whole life: every tick of the search and the measured phase.
    const ticks = pipeline.consistency.ticksCreated;
    pipeline.profileUsPerTick = {
      ticks,
      busy: Math.round((1000 * pipelineProfile.busyMs) / ticks),
      stages: pipelineProfile.stages
        .filter((st) => st.pct >= 0.3)
        .map((st) => ({ stage: st.stage, us: Math.round((1000 * st.ms) / ticks) })),
    };
  }
  if (pipeline && pipelineRun) {
    const m = pipelineRun.measured;
    if (m.missing > 0 || m.failed > 0)
      notes.push(
        `pipeline: ${m.missing} ticks not fully notified and ${m.failed} inbox creates failed in the measured phase${m.firstError ? ` (${m.firstError})` : ''}`,
      );
    if (!m.sustained) notes.push(`pipeline: the measured phase did not keep up: ${m.why}`);
    const c = pipeline.consistency;
    if (c.rejected > 0 || c.versions !== c.versionsExpected || c.alerts !== c.alertsExpected)
      notes.push(
        `pipeline: ${c.rejected} readings rejected; ${c.versions} of ${c.versionsExpected} versions and ${c.alerts} of ${c.alertsExpected} alert versions stored`,
      );
    if (pipeline.decrypted === 0 || pipeline.decryptedOk < pipeline.decrypted)
      notes.push(
        `pipeline: ${pipeline.decryptedOk} of ${pipeline.decrypted} sampled versions decrypted to the heart rate sent: ${pipeline.decryptProblems.join('; ')}`,
      );
  }

  if (busyPctAtStart >= 20)
    notes.push(
      `something else was using the machine: its CPUs were ${busyPctAtStart} % busy in the second before the benchmark started; numbers are noisier than usual`,
    );
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
      busyPctAtStart,
    },
    database: 'sqlite',
    parts,
    load: {
      connections: CONNECTIONS,
      pipelining: 1,
      contentBytes: CONTENT_BYTES,
      warmupSeconds,
      tls: false,
    },
    baseline: {
      ...(http
        ? {
            httpReqPerSec: Math.round(http.okPerSec),
            httpNon2xx: http.non2xx,
            httpErrors: http.errors + http.timeouts,
            httpCpuUsPerReq: Math.round(http.cpuUsPerReq),
          }
        : {}),
      dbInsertsPerSec: Math.round(db.insertsPerSec),
    },
    ...(cse ? { cse } : {}),
    ...(csePostgres ? { csePostgres } : {}),
    ...(pipeline ? { pipeline } : {}),
    ...(ws ? { ws } : {}),
    ...(privacy ? { privacy } : {}),
    targets: [
      ...(cse ? targetsFor('cse', cse) : []),
      ...(csePostgres ? targetsFor('csePostgres', csePostgres) : []),
      ...(pipeline ? pipelineTargets(pipeline) : []),
      ...(ws ? wsTargets(ws) : []),
    ],
    ...(profile ? { profile } : {}),
    ...(pipelineProfile ? { pipelineProfile } : {}),
    ...(wsProfile ? { wsProfile } : {}),
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
