/**
 * What a notification adds to a create: one CSE (SQLite), paced creates at a
 * fixed rate without a subscriber, then at the same rate with one, each
 * measured after its own warm-up. Reports the CSE's CPU per create in both
 * phases (their difference is the notification's own cost, at the same
 * operating point), the notification latency, and with --profile a CPU
 * profile of each measured window broken down by stage, in µs per create.
 *
 *   npm run build --silent && node dist/bench/notify-cost.js --rate 2400 --seconds 8 [--profile] [--sql]
 *     [--notify '{"pipelining":1}']
 *
 * Not part of `npm run bench`: a tool for work on the notification path
 * (docs/benchmarks.md, "The notification's own cost").
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchScript, startChild, type ChildServer } from './child.js';
import { childEnv, cpuSince, sampleCpu, setUp } from './cse.js';
import { tempDir } from './cleanup.js';
import { saturate } from './load.js';
import {
  AE,
  CONTAINER,
  cinBody,
  createHeaders,
  m2mRequest,
  sealedReading,
  stampedReading,
} from './m2m.js';
import { pacedLoad, type PacedResult } from './paced-load.js';
import { summariseProfile, type StageRules } from './profile.js';
import { startReceiver } from './receiver.js';
import { sqlDelta, type SqlStats } from './sql-stats.js';
import { percentile, round, sleep } from './stats.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '2400' },
    seconds: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '3' },
    profile: { type: 'boolean', default: false },
    sql: { type: 'boolean', default: false },
    // Overrides of cse.notify (JSON), e.g. '{"pipelining":1}'.
    notify: { type: 'string', default: '{}' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const log = (msg: string) => console.error(`[notify-cost] ${msg}`);

/** Stages of a create and its notification, by the innermost module of ours on the stack. */
const stages: StageRules = {
  ours: (module) => {
    const rules: Array<[RegExp, string]> = [
      [/^service-layer\/cse\/notify\/dispatcher$/, 'notify: dispatcher'],
      [/^service-layer\/cse\/notify\/http-sender$/, 'notify: HTTP send (ours)'],
      [/^service-layer\/cse\/notify\/outbox$/, 'notify: outbox statements'],
      [/^service-layer\/cse\/notify\/(events|notifier)$/, 'notify: body and rows'],
      [/^service-layer\/cse\/procedures\/changes$/, 'changes (event, subscription lookup)'],
      [/^service-layer\/cse\/procedures\/write-queue$/, 'group commit'],
      [/^service-layer\/cse\/procedures\/(resolve|guard)$/, 'target lookup, access'],
      [/^service-layer\/cse\/(store|procedures)\//, 'create procedure, store'],
      [/^service-layer\/cse\/(http|access)\//, 'HTTP binding, access control'],
      [/^core\/db\//, 'database layer'],
      [/^platform\//, 'platform (HTTP server glue)'],
    ];
    for (const [re, stage] of rules) if (re.test(module)) return stage;
    return `other code of ours (${module})`;
  },
  library: (url, fn) => {
    if (url.includes('/node_modules/undici/')) return 'undici (NOTIFY requests)';
    if (url.includes('/node_modules/kysely/')) {
      if (fn === 'commitTransaction') return 'group commit';
      return undefined;
    }
    return undefined;
  },
};

interface Phase {
  ratePerSec: number;
  achievedPerSec: number;
  cpuUsPerCreate: number;
  busyPct: number;
  createP50Ms: number;
  createP99Ms: number;
  notifyP50Ms?: number;
  notifyP99Ms?: number;
  notifyMissing?: number;
  sql?: SqlStats;
  stagesUsPerCreate?: Record<string, number>;
  topUsPerCreate?: Array<[string, number]>;
}

/** Paced creates at `rate` for `secs` seconds, sequence numbers from `firstSeq`. */
type Load = (secs: number, firstSeq: number) => Promise<PacedResult>;

async function measure(
  cse: ChildServer,
  name: 'plain' | 'notified',
  profileDir: string,
  load: Load,
): Promise<{ paced: PacedResult; phase: Phase }> {
  const seqBase = name === 'plain' ? 0 : 1_000_000_000;
  log(`${name}: warm-up ${warmup} s at ${rate}/s`);
  await load(warmup, seqBase + 500_000_000);
  const sqlBefore = values.sql ? await cse.ask<SqlStats>('sql') : undefined;
  if (values.profile) await cse.ask('profileStart');
  const a = await sampleCpu(cse);
  log(`${name}: ${seconds} s at ${rate}/s`);
  const paced = await load(seconds, seqBase);
  const used = cpuSince(a, await sampleCpu(cse), paced.ok);
  const file = join(profileDir, `${name}.cpuprofile`);
  if (values.profile) await cse.ask('profileStop', file);
  const phase: Phase = {
    ratePerSec: rate,
    achievedPerSec: round(paced.achievedPerSec),
    cpuUsPerCreate: round(used.usPerOp),
    busyPct: round(used.busyPct),
    createP50Ms: round(paced.latencyP50Ms),
    createP99Ms: round(paced.latencyP99Ms),
  };
  if (sqlBefore) phase.sql = sqlDelta(sqlBefore, await cse.ask<SqlStats>('sql'));
  if (values.profile) {
    const s = summariseProfile(file, 40, stages);
    const per = (ms: number) => round((1000 * ms) / paced.ok);
    phase.stagesUsPerCreate = Object.fromEntries(s.stages!.map((x) => [x.stage, per(x.ms)]));
    phase.topUsPerCreate = s.top.map((f) => [`${f.fn} ${f.where}`, per(f.ms)]);
  }
  return { paced, phase };
}

const scratch = tempDir('tutela-bench-notify-cost-');
const cse = await startChild(benchScript('cse-server'), {
  cwd: scratch.dir,
  env: {
    ...childEnv(),
    BENCH_CSE_OVERRIDES: JSON.stringify({
      dataDir: join(scratch.dir, 'data'),
      cse: { notify: JSON.parse(values.notify) as unknown },
    }),
    ...(values.sql ? { BENCH_SQL_STATS: '1' } : {}),
  },
});
const receiver = await startReceiver();
try {
  const base = `${cse.info.url}/${String(cse.info.cse)}`;
  const vitals = `${base}/${AE}/${CONTAINER}`;
  await setUp(base);
  log('saturating for 3 s (warms the create path)');
  await saturate({
    url: vitals,
    seconds: 3,
    connections: 32,
    headers: createHeaders(4),
    body: cinBody(sealedReading()),
  });
  const load: Load = (secs, firstSeq) =>
    pacedLoad({
      url: vitals,
      ratePerSec: rate,
      seconds: secs,
      firstSeq,
      connections: 32,
      headers: createHeaders(4),
      body: (seq, sentMs) => cinBody(stampedReading(sentMs, seq)),
    });
  const profileDir = join(
    process.cwd(),
    'bench-results',
    'notify-cost',
    new Date().toISOString().replace(/[:.]/g, '-'),
  );
  if (values.profile) mkdirSync(profileDir, { recursive: true });
  const plain = await measure(cse, 'plain', profileDir, load);
  await m2mRequest(
    vitals,
    'POST',
    createHeaders(23),
    { 'm2m:sub': { rn: 's', nu: [receiver.url], enc: { net: [3] }, nct: 1 } },
    201,
  );
  const notified = await measure(cse, 'notified', profileDir, load);
  const deadline = performance.now() + 5000;
  const okSeqs = [...notified.paced.okSeqs];
  while (performance.now() < deadline && okSeqs.some((s) => !receiver.latencyBySeq.has(s)))
    await sleep(50);
  const lat = okSeqs.flatMap((s) => receiver.latencyBySeq.get(s) ?? []);
  notified.phase.notifyP50Ms = round(percentile(lat, 50));
  notified.phase.notifyP99Ms = round(percentile(lat, 99));
  notified.phase.notifyMissing = okSeqs.length - lat.length;
  const diff: Record<string, number> = {};
  if (values.profile) {
    const keys = new Set([
      ...Object.keys(plain.phase.stagesUsPerCreate!),
      ...Object.keys(notified.phase.stagesUsPerCreate!),
    ]);
    for (const k of keys)
      diff[k] = round(
        (notified.phase.stagesUsPerCreate![k] ?? 0) - (plain.phase.stagesUsPerCreate![k] ?? 0),
      );
  }
  console.log(
    JSON.stringify(
      {
        plain: plain.phase,
        notified: notified.phase,
        notificationUs: round(notified.phase.cpuUsPerCreate - plain.phase.cpuUsPerCreate),
        duplicates: receiver.duplicates,
        ...(values.profile
          ? { stageDiffUs: Object.fromEntries(Object.entries(diff).sort((x, y) => y[1] - x[1])) }
          : {}),
      },
      null,
      1,
    ),
  );
} finally {
  await cse.stop();
  await receiver.close();
  await scratch.remove();
}
