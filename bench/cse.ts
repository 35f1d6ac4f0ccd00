import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dropPostgresSchema } from '../src/core/db/index.js';
import { benchScript, startChild, type ChildServer } from './child.js';
import { onCleanup, tempDir } from './cleanup.js';
import { saturate } from './load.js';
import {
  AE,
  CONTAINER,
  ORIGINATOR,
  cinBody,
  createHeaders,
  m2mRequest,
  sealedReading,
  stampedReading,
} from './m2m.js';
import { pacedLoad } from './paced-load.js';
import { startReceiver, type Receiver } from './receiver.js';
import { percentile, sleep } from './stats.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/** How long notifications may still arrive after the load has ended. */
export const STRAGGLER_WAIT_MS = 5000;

export interface CseOptions {
  database: DatabaseKind;
  /** PostgreSQL URL (database = 'postgres'). */
  databaseUrl?: string;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  /** Write a V8 CPU profile of the CSE process into this directory. */
  profileDir?: string;
  log: (msg: string) => void;
}

export interface CseResult {
  database: DatabaseKind;
  /** Saturation: 2xx contentInstance creates per second (autocannon, closed loop). */
  cinCreatesPerSec: number;
  createOk: number;
  createNon2xx: number;
  /** Connection errors + timeouts during the create phase. */
  createErrors: number;
  createStatusCodes: Record<string, number>;
  createLatencyP50Ms: number;
  createLatencyP99Ms: number;
  /** CPU time (user + system) of the CSE process per create, and its share of the wall time (saturation). */
  cpuUsPerCreate: number;
  cpuBusyPctSaturated: number;
  /** Notification phase: steady open-loop creates at half the saturation rate. */
  notifyLoadPerSec: number;
  notifyLoadAchievedPerSec: number;
  /** Create → notification delivered at the receiver (ms). */
  notifyLatencyP50Ms: number;
  notifyLatencyP99Ms: number;
  notifyLatencyMaxMs: number;
  /** Creates answered 2xx in the notification phase: each must be notified once. */
  notifySent: number;
  notifyReceived: number;
  notifyMissing: number;
  notifyDuplicates: number;
  notifyCreateFailures: number;
  /**
   * The warm-up right after the subscription was created (first warmupSeconds,
   * same rate): the cold notification path, reported apart and not a target.
   */
  notifyColdP50Ms: number;
  notifyColdP99Ms: number;
  notifyColdMissing: number;
  notifyCreateFirstError?: string;
  /** Create response latency at half load (ms). */
  /** The same at a quarter of the create rate: where the latency curve bends. Not a target. */
  notifyQuarterLoadPerSec: number;
  notifyQuarterLatencyP50Ms: number;
  notifyQuarterLatencyP99Ms: number;
  halfLoadCreateP50Ms: number;
  halfLoadCreateP99Ms: number;
  /** The same with a subscriber (measured notification phase, including the straggler wait). */
  cpuUsPerNotifiedCreate: number;
  cpuBusyPctHalfLoad: number;
  /** Resident set size of the CSE process after both phases (MB). */
  rssMb: number;
  /** The .cpuprofile written, when profiling. */
  profile?: string;
}

/** The scrubbed environment of the CSE child: no TUTELA_* or DATABASE_URL from the caller. */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('TUTELA_') || k === 'DATABASE_URL') continue;
    env[k] = v;
  }
  return env;
}

async function startCse(
  opts: CseOptions,
  dataDir: string,
  cwd: string,
): Promise<{ child: ChildServer; dropSchema?: () => Promise<void> }> {
  const database: Record<string, string> = {};
  let dropSchema: (() => Promise<void>) | undefined;
  if (opts.database === 'postgres') {
    if (!opts.databaseUrl) throw new Error('PostgreSQL run without a DATABASE_URL');
    const prefix = `bench_${randomBytes(4).toString('hex')}`;
    database.url = opts.databaseUrl;
    database.pgSchemaPrefix = prefix;
    // Registered before the child, so it runs after the child has stopped.
    dropSchema = onCleanup({
      name: `schema ${prefix}_cse`,
      run: () => dropPostgresSchema(opts.databaseUrl!, `${prefix}_cse`),
    });
  }
  const execArgv: string[] = [];
  if (opts.profileDir) {
    mkdirSync(opts.profileDir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`);
  }
  const child = await startChild(benchScript('cse-server'), {
    cwd,
    env: { ...childEnv(), BENCH_CSE_OVERRIDES: JSON.stringify({ dataDir, database }) },
    execArgv,
  });
  return { child, ...(dropSchema ? { dropSchema } : {}) };
}

/** Registers the benchmark's AE and creates its container. */
export async function setUp(cseUrl: string): Promise<void> {
  await m2mRequest(
    cseUrl,
    'POST',
    { ...createHeaders(2), 'X-M2M-Origin': ORIGINATOR },
    { 'm2m:ae': { rn: AE, api: 'Nbench', rr: true, srv: ['3'] } },
    201,
  );
  await m2mRequest(
    `${cseUrl}/${AE}`,
    'POST',
    createHeaders(3),
    { 'm2m:cnt': { rn: CONTAINER } },
    201,
  );
}

export interface CpuSample {
  atMs: number;
  cpuMs: number;
}

export async function sampleCpu(cse: ChildServer): Promise<CpuSample> {
  const { cpuMs } = await cse.stats();
  return { atMs: performance.now(), cpuMs };
}

/** CPU µs per operation and the share of one core the CSE used between two samples. */
export function cpuSince(a: CpuSample, b: CpuSample, ops: number) {
  const cpu = b.cpuMs - a.cpuMs;
  return {
    usPerOp: ops > 0 ? (1000 * cpu) / ops : NaN,
    busyPct: (100 * cpu) / (b.atMs - a.atMs),
  };
}

interface Delivery {
  /** Sent → notified (ms) of each reading notified. */
  latencies: number[];
  /** Readings created (2xx) but not notified within the straggler wait. */
  missing: number;
}

/**
 * Waits (at most STRAGGLER_WAIT_MS after the load) until every reading
 * created was notified, then collects their latencies.
 */
async function delivery(receiver: Receiver, created: Set<number>): Promise<Delivery> {
  const start = performance.now();
  const allIn = () => [...created].every((seq) => receiver.latencyBySeq.has(seq));
  while (performance.now() - start < STRAGGLER_WAIT_MS && !allIn()) await sleep(50);
  const latencies: number[] = [];
  for (const seq of created) {
    const ms = receiver.latencyBySeq.get(seq);
    if (ms !== undefined) latencies.push(ms);
  }
  return { latencies, missing: created.size - latencies.length };
}

/**
 * The CSE in a child process over plain HTTP: saturated contentInstance
 * creates, then notification latency under steady half load, on one database.
 */
export async function benchCse(opts: CseOptions): Promise<CseResult> {
  const scratch = tempDir(`tutela-bench-cse-${opts.database}-`);
  const { child: cse, dropSchema } = await startCse(opts, join(scratch.dir, 'data'), scratch.dir);
  const base = `${cse.info.url}/${String(cse.info.cse)}`;
  const vitals = `${base}/${AE}/${CONTAINER}`;
  let receiver: Receiver | undefined;
  let result: CseResult;
  try {
    await setUp(base);

    opts.log(`cse (${opts.database}): saturating contentInstance creates for ${opts.seconds} s`);
    const load = {
      url: vitals,
      connections: opts.connections,
      headers: createHeaders(4),
      body: cinBody(sealedReading()),
    };
    if (opts.warmupSeconds > 0) await saturate({ ...load, seconds: opts.warmupSeconds });
    const before = await sampleCpu(cse);
    const creates = await saturate({ ...load, seconds: opts.seconds });
    const saturated = cpuSince(before, await sampleCpu(cse), creates.ok);
    if (creates.ok === 0)
      throw new Error(`no contentInstance was created: ${JSON.stringify(creates.statusCodes)}`);

    receiver = await startReceiver();
    await m2mRequest(
      vitals,
      'POST',
      createHeaders(23),
      { 'm2m:sub': { rn: 's', nu: [receiver.url], enc: { net: [3] }, nct: 1 } },
      201,
    );
    if (receiver.verifications < 1) throw new Error('the CSE did not verify the subscription');

    const rate = Math.max(1, Math.floor(creates.okPerSec / 2));
    const pacedAt = (ratePerSec: number, seconds: number, firstSeq: number) =>
      pacedLoad({
        url: vitals,
        ratePerSec,
        seconds,
        firstSeq,
        connections: opts.connections,
        headers: createHeaders(4),
        body: (seq, sentMs) => cinBody(stampedReading(sentMs, seq)),
      });
    const halfLoad = (seconds: number, firstSeq: number) => pacedAt(rate, seconds, firstSeq);
    // The first seconds after a subscription appears are a transient (the
    // notification path is still cold): measured apart, not in the result.
    let cold: Delivery | undefined;
    if (opts.warmupSeconds > 0) {
      opts.log(`cse (${opts.database}): ${rate} creates/s with a new subscriber (warm-up)`);
      const warm = await halfLoad(opts.warmupSeconds, 1_000_000_000);
      cold = await delivery(receiver, warm.okSeqs);
    }
    opts.log(`cse (${opts.database}): ${rate} creates/s with a subscriber for ${opts.seconds} s`);
    const beforePaced = await sampleCpu(cse);
    const paced = await halfLoad(opts.seconds, 0);
    const notified = await delivery(receiver, paced.okSeqs);
    const withSub = cpuSince(beforePaced, await sampleCpu(cse), paced.ok);
    const quarterRate = Math.max(1, Math.floor(rate / 2));
    opts.log(
      `cse (${opts.database}): ${quarterRate} creates/s with a subscriber for ${opts.seconds} s`,
    );
    const quarter = await pacedAt(quarterRate, opts.seconds, 2_000_000_000);
    const quarterNotified = await delivery(receiver, quarter.okSeqs);
    const { rssMb } = await cse.stats();

    result = {
      database: opts.database,
      cinCreatesPerSec: creates.okPerSec,
      createOk: creates.ok,
      createNon2xx: creates.non2xx,
      createErrors: creates.errors + creates.timeouts,
      createStatusCodes: creates.statusCodes,
      createLatencyP50Ms: creates.latencyP50Ms,
      createLatencyP99Ms: creates.latencyP99Ms,
      cpuUsPerCreate: saturated.usPerOp,
      cpuBusyPctSaturated: saturated.busyPct,
      notifyLoadPerSec: rate,
      notifyLoadAchievedPerSec: paced.achievedPerSec,
      notifyLatencyP50Ms: percentile(notified.latencies, 50),
      notifyLatencyP99Ms: percentile(notified.latencies, 99),
      notifyLatencyMaxMs: percentile(notified.latencies, 100),
      notifySent: paced.ok,
      notifyReceived: notified.latencies.length,
      notifyMissing: notified.missing,
      notifyDuplicates: receiver.duplicates,
      notifyColdP50Ms: cold ? percentile(cold.latencies, 50) : NaN,
      notifyColdP99Ms: cold ? percentile(cold.latencies, 99) : NaN,
      notifyColdMissing: cold?.missing ?? 0,
      notifyCreateFailures: paced.failed,
      ...(paced.firstError === undefined ? {} : { notifyCreateFirstError: paced.firstError }),
      notifyQuarterLoadPerSec: quarterRate,
      notifyQuarterLatencyP50Ms: percentile(quarterNotified.latencies, 50),
      notifyQuarterLatencyP99Ms: percentile(quarterNotified.latencies, 99),
      halfLoadCreateP50Ms: paced.latencyP50Ms,
      halfLoadCreateP99Ms: paced.latencyP99Ms,
      cpuUsPerNotifiedCreate: withSub.usPerOp,
      cpuBusyPctHalfLoad: withSub.busyPct,
      rssMb,
    };
  } finally {
    await cse.stop();
    await dropSchema?.();
    await receiver?.close();
    await scratch.remove();
  }
  const profile = opts.profileDir && profileOf(opts.profileDir, cse.pid);
  return profile ? { ...result, profile } : result;
}

/**
 * The .cpuprofile of process `pid`'s main thread in `dir`
 * (CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; worker threads, e.g.
 * the WAL checkpointer, write their own with thread id > 0).
 */
export function profileOf(dir: string, pid: number): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const file =
    files.find((f) => f.includes(`.${pid}.0.`)) ?? files.find((f) => f.includes(`.${pid}.`));
  return file && join(dir, file);
}
