import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { importPublicKey } from '../src/crypto/hpke.js';
import { fromBase64url } from '../src/crypto/encoding.js';
import {
  attributeRaised,
  startAlertScreen,
  type AlertScreen,
  type AlertTick,
} from './alert-screen.js';
import { startCaregiver, type Caregiver } from './caregivers.js';
import { benchScript, startChild, type ChildServer } from './child.js';
import { tempDir } from './cleanup.js';
import { childEnv, profileOf } from './cse.js';
import { measureFloors, type PipelineFloors } from './floors.js';
import {
  makeFleet,
  publicPart,
  sealTicks,
  sendPaced,
  type AppKey,
  type SimGateway,
} from './gateways.js';
import type {
  CountsAnswer,
  EluAnswer,
  ProvisionAnswer,
  ProvisionRequest,
} from './pipeline-server.js';
import { sqlDelta, type SqlStats } from './sql-stats.js';
import { nowMs, percentile, sleep } from './stats.js';
import { ALERT_EVERY, READINGS_PER_TICK } from './vitals.js';

/** A step whose p99 (sent → caregiver notified) passes this has no headroom left. */
export const LATENCY_CEILING_MS = 1000;
/**
 * A step whose latency p50 in its last quarter exceeds that of its first
 * quarter by more than this is backing up: the offered load is above what
 * the pipeline processes (5 % over capacity adds ~150 ms between the
 * quarters of a 4 s step).
 */
const GROWTH_LIMIT_MS = 100;
/** When the measured phase does not keep up, it is run once more at this share of its rate. */
const RETRY_FACTOR = 0.85;
/** A step has not kept up when ticks are still unnotified this long after its last create was answered. */
const STEP_DRAIN_MS = 2000;
/** After the measured phase, how long notifications may still arrive. */
const MEASURED_DRAIN_MS = 5000;
/** The load search: first rate (ticks/s over all patients), factor between steps, most steps. */
const SEARCH = { firstRate: 25, factor: 1.5, maxSteps: 10, bisections: 2 } as const;

export interface PipelineOptions {
  /** Length of the measured phase at the operating point (s). */
  seconds: number;
  /** Length of each search step (s). */
  stepSeconds: number;
  patients: number;
  /** Keep-alive connections the gateways share. */
  connections: number;
  profileDir?: string;
  log: (msg: string) => void;
}

/** One load level, measured end to end. */
export interface StepResult {
  /** Offered load: ticks/s over all patients, and per patient. */
  ticksPerSec: number;
  perPatientPerSec: number;
  seconds: number;
  /** Ticks sent, created in the inbox (2xx), and fully notified (nurse; alert subscriber too for alerts). */
  sent: number;
  created: number;
  failed: number;
  notified: number;
  missing: number;
  duplicates: number;
  /** Vital-sign readings of the ticks notified, per second from the first send to the last notification. */
  observationsPerSec: number;
  /** Tick due at the gateway → version notified to the nurse (ms). */
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Alert ticks: due at the gateway → alert version notified to the alert subscriber (ms). */
  alertTicks: number;
  alertLatencyP50Ms: number;
  alertLatencyP99Ms: number;
  /**
   * Alert ticks: due at the gateway → `raised` event on the responder's live
   * alert channel (ms), for the events whose tick is known (alert-screen.ts);
   * how many were measured and how many events of the step were left out.
   */
  alertToScreenP50Ms: number;
  alertToScreenP99Ms: number;
  alertToScreenMaxMs: number;
  alertToScreenSamples: number;
  alertToScreenUnknown: number;
  /** The same split at the event's `at` (server clock): tick due → engine raising, then → socket. */
  alertRaiseP50Ms: number;
  alertRaiseP99Ms: number;
  alertPushP50Ms: number;
  alertPushP99Ms: number;
  /** Inbox create answered, from the tick's due time (gateway queueing included, ms). */
  createP99Ms: number;
  maxGatewayBacklog: number;
  /** Server process: CPU (all threads) per tick notified, share of a core, and main-thread busy share. */
  serverCpuUsPerTick: number;
  serverCpuPct: number;
  serverMainThreadPct: number;
  /** Kept up: no failures, all notified within STEP_DRAIN_MS, p99 under LATENCY_CEILING_MS, latency not growing. */
  sustained: boolean;
  why?: string;
  firstError?: string;
  /** SQLite statements the server ran in the step, per database and kind (count, ms). */
  sql: SqlStats;
}

export interface PipelineResult {
  patients: number;
  readingsPerTick: number;
  alertEvery: number;
  /** The load of the measured phase and how it was found. */
  operatingTicksPerSec: number;
  operatingPerPatientPerSec: number;
  operatingPointChosenBy: string;
  measured: StepResult;
  steps: StepResult[];
  provisionMs: number;
  rssMb: number;
  /** Versions decrypted by the caregivers' own clients (a sample), and how many showed the right heart rate. */
  decrypted: number;
  decryptedOk: number;
  decryptProblems: string[];
  /** The responder's live alert channel over the whole run: high alerts raised, resolves that failed. */
  screen: {
    raised: number;
    resolveFailures: number;
    firstResolveError?: string;
    /** Times the CSE cut a caregiver's notification channel and it reconnected (should be 0). */
    channelCuts: number;
  };
  /** Server-side accounting over the whole run (search and measured phase). */
  consistency: CountsAnswer & {
    ticksCreated: number;
    versionsExpected: number;
    alertsExpected: number;
  };
  floors: PipelineFloors;
  profile?: string;
}

interface Ctx {
  server: ChildServer;
  url: string;
  cseRn: string;
  appKey: AppKey;
  fleet: SimGateway[];
  nurse: Caregiver;
  /**
   * Subscribed to every alert-<AL> over the CSE: the doctor since issue 5
   * (the responder before). A responder reads at R only while a high alert
   * is open, and resolving one makes the CSE cut the responder's channel
   * (docs/benchmarks.md, issue 5 findings): with an alert resolved at every
   * high tick, that measured the reconnects, not the pipeline.
   */
  responder: Caregiver;
  /** The responder's live alert channel; a doctor resolves each alert raised. */
  screen: AlertScreen;
  /** Every alert tick created in the run, for attributeRaised. */
  alertTicks: AlertTick[];
  pulses: Map<string, number>;
  opts: PipelineOptions;
  totals: { created: number; alertsCreated: number };
}

async function elu(server: ChildServer): Promise<EluAnswer> {
  return server.ask<EluAnswer>('elu');
}

/** Runs `ratePerSec` ticks/s for `seconds`, then waits up to `drainMs` for their notifications. */
async function runLoad(
  ctx: Ctx,
  ratePerSec: number,
  seconds: number,
  drainMs: number,
): Promise<StepResult> {
  const ticks = await sealTicks(
    ctx.fleet,
    ctx.appKey,
    Math.max(1, Math.round(ratePerSec * seconds)),
  );
  for (const t of ticks) ctx.pulses.set(t.src, t.pulse);
  const alertSrcs = new Set(ticks.filter((t) => t.alert).map((t) => t.src));
  const dupsBefore = ctx.nurse.duplicates + ctx.responder.duplicates;
  const cpu0 = await ctx.server.stats();
  const elu0 = await elu(ctx.server);
  const sql0 = await ctx.server.ask<SqlStats>('sql');
  const t0 = nowMs();
  const sent = await sendPaced(ctx.url, ctx.cseRn, ticks, ratePerSec, ctx.opts.connections);
  ctx.totals.created += sent.sentAt.size;
  for (const src of sent.sentAt.keys()) if (alertSrcs.has(src)) ctx.totals.alertsCreated++;
  for (const t of ticks) {
    const due = sent.sentAt.get(t.src);
    if (t.alert && due !== undefined) ctx.alertTicks.push({ src: t.src, pt: t.gateway.pt, due });
  }

  const done = (src: string) =>
    ctx.nurse.arrivals.has(src) && (!alertSrcs.has(src) || ctx.responder.arrivals.has(src));
  const sendEnd = nowMs();
  let pending = [...sent.sentAt.keys()];
  while (pending.length > 0 && nowMs() - sendEnd < drainMs) {
    await sleep(20);
    pending = pending.filter((src) => !done(src));
  }
  await screenSettled(ctx.screen);
  const t1 = nowMs();
  const cpu1 = await ctx.server.stats();
  const elu1 = await elu(ctx.server);
  const sql1 = await ctx.server.ask<SqlStats>('sql');

  const latencies: number[] = [];
  const alertLatencies: number[] = [];
  let notified = 0;
  let lastArrival = t0;
  const byDue = [...sent.sentAt].sort((a, b) => a[1] - b[1]);
  for (const [src, due] of byDue) {
    const at = ctx.nurse.arrivals.get(src);
    if (at !== undefined) {
      latencies.push(at - due);
      lastArrival = Math.max(lastArrival, at);
    }
    if (alertSrcs.has(src)) {
      const alertAt = ctx.responder.arrivals.get(src);
      if (alertAt !== undefined) {
        alertLatencies.push(alertAt - due);
        lastArrival = Math.max(lastArrival, alertAt);
      }
    }
    if (done(src)) notified++;
  }
  const missing = sent.sentAt.size - notified;
  const attributed = attributeRaised(ctx.alertTicks, ctx.screen.raised).known.filter((k) =>
    alertSrcs.has(k.src),
  );
  const toScreen = attributed.map((k) => k.ms);
  const raisedInStep = ctx.screen.raised.filter((e) => e.arrivedAt >= t0 && e.arrivedAt <= t1);
  const latencyP99Ms = percentile(latencies, 99);
  // A backlog shows as latency growing through the step: compare its first and last quarters.
  const quarter = Math.max(1, Math.floor(latencies.length / 4));
  const firstQuarterP50 = percentile(latencies.slice(0, quarter), 50);
  const lastQuarterP50 = percentile(latencies.slice(-quarter), 50);
  const growing = lastQuarterP50 - firstQuarterP50 > GROWTH_LIMIT_MS;
  const eluActive = elu1.activeMs - elu0.activeMs;
  const eluIdle = elu1.idleMs - elu0.idleMs;
  const whyNot =
    sent.failed > 0
      ? `${sent.failed} inbox creates failed`
      : missing > 0
        ? `${missing} of ${sent.sentAt.size} ticks not notified ${drainMs / 1000} s after the last create was answered`
        : latencyP99Ms > LATENCY_CEILING_MS
          ? `latency p99 ${Math.round(latencyP99Ms)} ms > ${LATENCY_CEILING_MS} ms`
          : growing
            ? `ticks back up: latency p50 went from ${Math.round(firstQuarterP50)} ms (first quarter of the step) to ${Math.round(lastQuarterP50)} ms (last quarter)`
            : undefined;
  return {
    ticksPerSec: ratePerSec,
    perPatientPerSec: ratePerSec / ctx.fleet.length,
    seconds,
    sent: sent.sent,
    created: sent.sentAt.size,
    failed: sent.failed,
    notified,
    missing,
    duplicates: ctx.nurse.duplicates + ctx.responder.duplicates - dupsBefore,
    observationsPerSec: (notified * READINGS_PER_TICK * 1000) / Math.max(1, lastArrival - t0),
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms,
    latencyMaxMs: percentile(latencies, 100),
    alertTicks: alertSrcs.size,
    alertLatencyP50Ms: percentile(alertLatencies, 50),
    alertLatencyP99Ms: percentile(alertLatencies, 99),
    alertToScreenP50Ms: percentile(toScreen, 50),
    alertToScreenP99Ms: percentile(toScreen, 99),
    alertToScreenMaxMs: percentile(toScreen, 100),
    alertToScreenSamples: toScreen.length,
    alertToScreenUnknown: Math.max(0, raisedInStep.length - toScreen.length),
    alertRaiseP50Ms: percentile(
      attributed.map((k) => k.toRaiseMs),
      50,
    ),
    alertRaiseP99Ms: percentile(
      attributed.map((k) => k.toRaiseMs),
      99,
    ),
    alertPushP50Ms: percentile(
      attributed.map((k) => k.pushMs),
      50,
    ),
    alertPushP99Ms: percentile(
      attributed.map((k) => k.pushMs),
      99,
    ),
    createP99Ms: sent.createP99Ms,
    maxGatewayBacklog: sent.maxGatewayBacklog,
    serverCpuUsPerTick: notified > 0 ? ((cpu1.cpuMs - cpu0.cpuMs) * 1000) / notified : NaN,
    serverCpuPct: (100 * (cpu1.cpuMs - cpu0.cpuMs)) / (t1 - t0),
    serverMainThreadPct: (100 * eluActive) / Math.max(1, eluActive + eluIdle),
    sustained: whyNot === undefined,
    ...(whyNot === undefined ? {} : { why: whyNot }),
    ...(sent.firstError === undefined ? {} : { firstError: sent.firstError }),
    sql: sqlDelta(sql0, sql1),
  };
}

/**
 * After a step's ticks are all notified, the last `raised` events may still
 * be on their way and the doctor's resolves under way: waits until no event
 * came for 300 ms (at most 2 s), then for the resolves.
 */
async function screenSettled(screen: AlertScreen): Promise<void> {
  const start = nowMs();
  let seen = screen.raised.length;
  let since = nowMs();
  while (nowMs() - since < 300 && nowMs() - start < 2000) {
    await sleep(50);
    if (screen.raised.length !== seen) {
      seen = screen.raised.length;
      since = nowMs();
    }
  }
  await screen.settle();
}

/** Waits until every tick created so far has reached the nurse, or nothing arrives for 3 s (max 30 s). */
async function drainAll(ctx: Ctx): Promise<void> {
  const start = nowMs();
  let last = ctx.nurse.arrivals.size + ctx.responder.arrivals.size;
  let lastChange = start;
  while (nowMs() - start < 30_000) {
    const now = ctx.nurse.arrivals.size + ctx.responder.arrivals.size;
    if (ctx.nurse.arrivals.size >= ctx.totals.created) return;
    if (now !== last) {
      last = now;
      lastChange = nowMs();
    } else if (nowMs() - lastChange > 3000) return;
    await sleep(50);
  }
}

const fmtStep = (s: StepResult) =>
  `${Math.round(s.ticksPerSec)} ticks/s: ${Math.round(s.observationsPerSec)} obs/s, p50/p99 ${Math.round(s.latencyP50Ms)}/${Math.round(s.latencyP99Ms)} ms, alert p99 ${Math.round(s.alertLatencyP99Ms)} ms, to screen p99 ${Math.round(s.alertToScreenP99Ms)} ms (${s.alertToScreenSamples}), server ${Math.round(s.serverCpuPct)} % CPU${s.sustained ? '' : ` — ${s.why}`}`;

/**
 * Finds the highest load the pipeline keeps up with: steps of `stepSeconds`
 * from SEARCH.firstRate, each SEARCH.factor higher, until one is not
 * sustained (ticks back up or p99 passes LATENCY_CEILING_MS); then one step
 * between the last good and the first bad rate. Returns the steps and the
 * highest rate sustained.
 */
async function search(ctx: Ctx): Promise<{ steps: StepResult[]; best: number; how: string }> {
  const steps: StepResult[] = [];
  let good: number | undefined;
  let bad: number | undefined;
  let rate: number = SEARCH.firstRate;
  for (let i = 0; i < SEARCH.maxSteps; i++) {
    const step = await runLoad(ctx, rate, ctx.opts.stepSeconds, STEP_DRAIN_MS);
    steps.push(step);
    ctx.opts.log(`pipeline: step ${fmtStep(step)}`);
    if (!step.sustained) {
      bad = rate;
      break;
    }
    good = rate;
    rate = Math.round(rate * SEARCH.factor);
  }
  if (bad !== undefined) await drainAll(ctx);
  for (let i = 0; i < SEARCH.bisections && good !== undefined && bad !== undefined; i++) {
    const mid = Math.round(Math.sqrt(good * bad));
    if (mid <= good || mid >= bad) break;
    const step = await runLoad(ctx, mid, ctx.opts.stepSeconds, STEP_DRAIN_MS);
    steps.push(step);
    ctx.opts.log(`pipeline: step ${fmtStep(step)}`);
    if (step.sustained) good = mid;
    else {
      bad = mid;
      await drainAll(ctx);
    }
  }
  const how =
    good === undefined
      ? `not even the first step (${SEARCH.firstRate} ticks/s) was sustained; measured there`
      : bad === undefined
        ? `every step up to ${good} ticks/s was sustained (search limit reached)`
        : `highest of ${steps.length} steps of ${ctx.opts.stepSeconds} s (×${SEARCH.factor} from ${SEARCH.firstRate} ticks/s, then up to ${SEARCH.bisections} bisections) where latency p50 grew by at most ${GROWTH_LIMIT_MS} ms from the step's first to its last quarter, every tick was notified within ${STEP_DRAIN_MS / 1000} s of the last create being answered and p99 stayed under ${LATENCY_CEILING_MS} ms`;
  return { steps, best: good ?? SEARCH.firstRate, how };
}

/**
 * The whole monitoring pipeline in a child process (CSE + application
 * server, SQLite): P patients with a gateway each, a nurse subscribed to
 * every patient's rl-N and a doctor to every alert-V, both over
 * WebSocket. Finds the highest sustained load, then measures there.
 */
export async function benchPipeline(opts: PipelineOptions): Promise<PipelineResult> {
  const scratch = tempDir('tutela-bench-pipeline-');
  const execArgv: string[] = [];
  if (opts.profileDir) {
    mkdirSync(opts.profileDir, { recursive: true });
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`);
  }
  const server = await startChild(benchScript('pipeline-server'), {
    cwd: scratch.dir,
    env: {
      ...childEnv(),
      BENCH_PIPELINE_OVERRIDES: JSON.stringify({ dataDir: join(scratch.dir, 'data') }),
    },
    execArgv,
  });
  const caregivers: Caregiver[] = [];
  const closers: Array<() => Promise<void>> = [];
  let result: Omit<PipelineResult, 'profile'>;
  try {
    const info = server.info as unknown as {
      url: string;
      cse: string;
      kid: string;
      appPublicKey: string;
    };
    const appKey = {
      kid: info.kid,
      publicKey: await importPublicKey(fromBase64url(info.appPublicKey)),
    };
    opts.log(`pipeline: provisioning ${opts.patients} patients, a nurse, a responder and a doctor`);
    const fleet = await makeFleet(opts.patients);
    const request: ProvisionRequest = {
      team: [
        { id: 'nurse-b', role: 'nurse' },
        { id: 'er-e', role: 'responder' },
        // Resolves each alert as soon as it is raised, so that the next high tick raises another.
        { id: 'dr-a', role: 'doctor' },
      ],
      patients: fleet.map(publicPart),
    };
    const provisioned = await server.ask<ProvisionAnswer>('provision', request, 120_000);
    const pulses = new Map<string, number>();
    const patients = fleet.map((g) => g.pt);
    const caregiver = async (id: string, kind: 'all' | 'alerts') => {
      const c = await startCaregiver({
        baseUrl: info.url,
        token: provisioned.tokens[id]!,
        stateDir: join(scratch.dir, 'clients', id),
        kind,
        patients,
        sampleEvery: kind === 'all' ? 500 : 50,
        expectedPulse: (src) => pulses.get(src),
      });
      caregivers.push(c);
      return c;
    };
    const nurse = await caregiver('nurse-b', 'all');
    const responder = await caregiver('dr-a', 'alerts');
    const screen = await startAlertScreen({
      baseUrl: info.url,
      token: provisioned.tokens['er-e']!,
      resolverToken: provisioned.tokens['dr-a']!,
    });
    closers.push(() => screen.close());

    opts.log('pipeline: floors (HPKE open, AES-256-GCM seal, each stage) in this process');
    const floors = await measureFloors();

    const ctx: Ctx = {
      server,
      url: info.url,
      cseRn: info.cse,
      appKey,
      fleet,
      nurse,
      responder,
      screen,
      alertTicks: [],
      pulses,
      opts,
      totals: { created: 0, alertsCreated: 0 },
    };
    const found = await search(ctx);
    let rate = found.best;
    let how = found.how;
    opts.log(`pipeline: measuring at ${rate} ticks/s for ${opts.seconds} s`);
    let measured = await runLoad(ctx, rate, opts.seconds, MEASURED_DRAIN_MS);
    opts.log(`pipeline: measured ${fmtStep(measured)}`);
    if (!measured.sustained) {
      // A short step can pass just above capacity; the longer phase shows it. Once lower.
      found.steps.push({ ...measured, why: `measured phase: ${measured.why}` });
      await drainAll(ctx);
      const lower = Math.max(1, Math.round(rate * RETRY_FACTOR));
      how = `${how}; the ${opts.seconds} s phase at ${rate} ticks/s did not keep up (${measured.why}), so it was measured again at ${RETRY_FACTOR * 100} % of that`;
      rate = lower;
      opts.log(`pipeline: measuring again at ${rate} ticks/s for ${opts.seconds} s`);
      measured = await runLoad(ctx, rate, opts.seconds, MEASURED_DRAIN_MS);
      opts.log(`pipeline: measured ${fmtStep(measured)}`);
    }
    await drainAll(ctx);
    await Promise.all(caregivers.map((c) => c.settle()));
    const counts = await server.ask<CountsAnswer>('counts', patients);
    const { rssMb } = await server.stats();
    result = {
      patients: opts.patients,
      readingsPerTick: READINGS_PER_TICK,
      alertEvery: ALERT_EVERY,
      operatingTicksPerSec: rate,
      operatingPerPatientPerSec: rate / opts.patients,
      operatingPointChosenBy: how,
      measured,
      steps: found.steps,
      provisionMs: provisioned.ms,
      rssMb,
      decrypted: nurse.decrypted + responder.decrypted,
      decryptedOk: nurse.decryptedOk + responder.decryptedOk,
      decryptProblems: [...nurse.decryptProblems, ...responder.decryptProblems],
      screen: {
        raised: screen.raised.length,
        resolveFailures: screen.resolveFailures,
        channelCuts: nurse.reconnects + responder.reconnects,
        ...(screen.firstResolveError ? { firstResolveError: screen.firstResolveError } : {}),
      },
      consistency: {
        ...counts,
        ticksCreated: ctx.totals.created,
        versionsExpected: 6 * ctx.totals.created,
        alertsExpected: 6 * ctx.totals.alertsCreated,
      },
      floors,
    };
  } finally {
    for (const c of caregivers) await c.close().catch(() => undefined);
    for (const close of closers) await close().catch(() => undefined);
    await server.stop();
    await scratch.remove();
  }
  const profile = opts.profileDir && profileOf(opts.profileDir, server.pid);
  return profile ? { ...result, profile } : result;
}
