import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CseResult, DatabaseKind } from './cse.js';
import { pipelineRows, type PipelineReport } from './pipeline-report.js';
import type { PrivacyResult } from './privacy-stages.js';
import type { ProfileSummary } from './profile.js';
import type { SocketsResult } from './sockets.js';
import { wsRows } from './sockets-report.js';
import { round } from './stats.js';
import { fmt, rows } from './table.js';

export interface Target {
  metric: string;
  op: '>=' | '<=';
  target: number;
  value: number;
  pass: boolean;
}

export type CseReport = Omit<CseResult, 'database'> & {
  createsVsBareHttp: number;
  createsVsDbInserts: number;
};

export interface Report {
  benchmark: 'tutela-cse';
  date: string;
  runtimeSec: number;
  secondsPerPhase: number;
  machine: {
    cores: number;
    node: string;
    cpuModel: string;
    loadAvg1mAtStart: number;
    /** CPU busy share of the whole machine in the second before the benchmark started. */
    busyPctAtStart: number;
  };
  /** Database of the `cse` block (SQLite always runs; PostgreSQL is `csePostgres`). */
  database: DatabaseKind;
  load: {
    connections: number;
    pipelining: 1;
    contentBytes: number;
    warmupSeconds: number;
    tls: false;
  };
  /** Which parts ran (`--only`). */
  parts: Array<'cse' | 'pipeline' | 'ws' | 'privacy'>;
  baseline: {
    /** The bare HTTP baseline runs with the CSE part only. */
    httpReqPerSec?: number;
    httpNon2xx?: number;
    httpErrors?: number;
    /** CPU time of the bare server process per request (µs). */
    httpCpuUsPerReq?: number;
    dbInsertsPerSec: number;
  };
  cse?: CseReport;
  csePostgres?: CseReport;
  pipeline?: PipelineReport;
  /** 10,000 caregiver sockets on the live alert channel (issue 5 item 7). */
  ws?: SocketsResult;
  /** The labelling and redaction stages alone, µs per tick (bench/privacy-stages.ts). */
  privacy?: PrivacyResult;
  targets: Target[];
  /** CPU profile of the CSE process (--profile). */
  profile?: ProfileSummary;
  /** CPU profile of the whole platform under the pipeline load (--profile). */
  pipelineProfile?: ProfileSummary;
  /** CPU profile of the platform holding the caregiver sockets (--profile). */
  wsProfile?: ProfileSummary;
  notes: string[];
}

/** Targets from the issue; a miss is reported, never an exit code. */
export const TARGETS = {
  cinCreatesPerSec: { op: '>=', target: 5000 },
  notifyLatencyP99Ms: { op: '<=', target: 20 },
} as const;

export function cseReport(r: CseResult, httpReqPerSec: number, dbInsertsPerSec: number): CseReport {
  const { database: _db, ...rest } = r;
  return {
    ...rest,
    cinCreatesPerSec: Math.round(r.cinCreatesPerSec),
    createLatencyP50Ms: round(r.createLatencyP50Ms),
    createLatencyP99Ms: round(r.createLatencyP99Ms),
    notifyLoadAchievedPerSec: Math.round(r.notifyLoadAchievedPerSec),
    notifyLatencyP50Ms: round(r.notifyLatencyP50Ms),
    notifyLatencyP99Ms: round(r.notifyLatencyP99Ms),
    notifyLatencyMaxMs: round(r.notifyLatencyMaxMs),
    notifyColdP50Ms: round(r.notifyColdP50Ms),
    notifyColdP99Ms: round(r.notifyColdP99Ms),
    notifyQuarterLatencyP50Ms: round(r.notifyQuarterLatencyP50Ms),
    notifyQuarterLatencyP99Ms: round(r.notifyQuarterLatencyP99Ms),
    halfLoadCreateP50Ms: round(r.halfLoadCreateP50Ms),
    halfLoadCreateP99Ms: round(r.halfLoadCreateP99Ms),
    cpuUsPerCreate: Math.round(r.cpuUsPerCreate),
    cpuBusyPctSaturated: Math.round(r.cpuBusyPctSaturated),
    cpuUsPerNotifiedCreate: Math.round(r.cpuUsPerNotifiedCreate),
    cpuBusyPctHalfLoad: Math.round(r.cpuBusyPctHalfLoad),
    createsVsBareHttp: round(r.cinCreatesPerSec / httpReqPerSec, 3),
    createsVsDbInserts: round(r.cinCreatesPerSec / dbInsertsPerSec, 3),
  };
}

export function targetsFor(prefix: string, cse: CseReport): Target[] {
  return Object.entries(TARGETS).map(([key, t]) => {
    const value = cse[key as keyof typeof TARGETS];
    return {
      metric: `${prefix}.${key}`,
      op: t.op,
      target: t.target,
      value,
      pass: t.op === '>=' ? value >= t.target : value <= t.target,
    };
  });
}

/** bench-results/ at the repository root (gitignored); this file runs as dist/bench/report.js. */
export function resultsDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench-results');
}

/** Writes bench-results/latest.json; returns its path. */
export function writeLatest(report: Report): string {
  const file = join(resultsDir(), 'latest.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

function cseRows(title: string, c: CseReport): string[] {
  return rows(title, [
    ['saturation: contentInstance creates/s (2xx)', fmt(c.cinCreatesPerSec)],
    ['  non-2xx / errors', `${fmt(c.createNon2xx)} / ${fmt(c.createErrors)}`],
    [
      '  create latency p50 / p99',
      `${fmt(c.createLatencyP50Ms)} / ${fmt(c.createLatencyP99Ms)} ms`,
    ],
    [
      '  CSE CPU per create',
      `${fmt(c.cpuUsPerCreate)} µs (CSE process ${fmt(c.cpuBusyPctSaturated)} % of a core)`,
    ],
    ['  vs bare HTTP', `${fmt(round(c.createsVsBareHttp * 100))} %`],
    ['  vs raw SQLite inserts', `${fmt(round(c.createsVsDbInserts * 100))} %`],
    [
      'subscriber added; steady half load',
      `${fmt(c.notifyLoadPerSec)} creates/s (achieved ${fmt(c.notifyLoadAchievedPerSec)}/s)`,
    ],
    ['  notify latency p50', `${fmt(c.notifyLatencyP50Ms)} ms`],
    [
      '  notify latency p99 / max (create sent → notified)',
      `${fmt(c.notifyLatencyP99Ms)} / ${fmt(c.notifyLatencyMaxMs)} ms`,
    ],
    [
      '  notified / created',
      `${fmt(c.notifyReceived)} / ${fmt(c.notifySent)} (missing ${fmt(c.notifyMissing)}, duplicates ${fmt(c.notifyDuplicates)}, failed creates ${fmt(c.notifyCreateFailures)})`,
    ],
    [
      '  first seconds after subscribing: p50 / p99',
      `${fmt(c.notifyColdP50Ms)} / ${fmt(c.notifyColdP99Ms)} ms (warm-up, not a target)`,
    ],
    [
      '  create latency p50 / p99',
      `${fmt(c.halfLoadCreateP50Ms)} / ${fmt(c.halfLoadCreateP99Ms)} ms`,
    ],
    [
      '  CSE CPU per create + notify',
      `${fmt(c.cpuUsPerNotifiedCreate)} µs (CSE process ${fmt(c.cpuBusyPctHalfLoad)} % of a core)`,
    ],
    [
      'quarter load with the subscriber',
      `${fmt(c.notifyQuarterLoadPerSec)} creates/s: notify p50 / p99 ${fmt(c.notifyQuarterLatencyP50Ms)} / ${fmt(c.notifyQuarterLatencyP99Ms)} ms (not a target)`,
    ],
    ['CSE process RSS', `${fmt(c.rssMb)} MB`],
  ]);
}

function privacyRows(p: PrivacyResult): string[] {
  const us = (s: PrivacyResult['labelUs']) =>
    `${fmt(s.median)} µs (min ${fmt(s.min)}, max ${fmt(s.max)})`;
  return rows(`Privacy stages (${fmt(p.ticks)} ticks × ${fmt(p.rounds)} rounds, per tick)`, [
    ['label()', us(p.labelUs)],
    ['versions() (six)', us(p.versionsUs)],
    ['versions JSON', `${fmt(p.versionBytesPerTick)} bytes per tick`],
    ['versions SHA-256', p.versionsSha256],
  ]);
}

function profileRows(title: string, p: ProfileSummary): string[] {
  return [
    `${title} (${fmt(p.busyMs)} ms busy of ${fmt(p.totalMs)} ms): ${p.file}`,
    ...(p.stages
      ? [
          '  busy time by pipeline stage (innermost code of ours on the stack):',
          ...p.stages
            .filter((s) => s.pct >= 0.3)
            .map((s) => `  ${fmt(s.pct).padStart(5)} %  ${s.stage}`),
        ]
      : []),
    '  self time by area:',
    ...p.areas.filter((a) => a.pct >= 0.1).map((a) => `  ${fmt(a.pct).padStart(5)} %  ${a.area}`),
    '  our modules, inclusive (time with the module anywhere on the stack):',
    ...p.ourModules
      .filter((m) => m.pct >= 0.5)
      .map((m) => `  ${fmt(m.pct).padStart(5)} %  ${m.module}`),
    '  top functions by self time:',
    ...p.top.map((f) => `  ${fmt(f.pct).padStart(5)} %  ${f.fn}  ${f.where}  [${f.area}]`),
    '',
  ];
}

/** The human-readable report (the JSON line follows it). */
export function formatTable(r: Report): string {
  const out: string[] = [
    `Tutela benchmark (${r.parts.join(', ')}), ${r.date}: ${r.machine.cores} cores, ${r.machine.cpuModel}, Node ${r.machine.node}`,
    `${r.secondsPerPhase} s per phase, ${r.load.connections} keep-alive connections, plain HTTP, ${r.load.contentBytes}-byte content; took ${r.runtimeSec} s`,
    '',
    ...rows('Baselines', [
      ...(r.baseline.httpReqPerSec !== undefined
        ? [
            [
              'bare node:http req/s',
              `${fmt(r.baseline.httpReqPerSec)} (server CPU ${fmt(r.baseline.httpCpuUsPerReq ?? NaN)} µs/request)`,
            ] as [string, string],
          ]
        : []),
      ['raw better-sqlite3 inserts/s', fmt(r.baseline.dbInsertsPerSec)],
    ]),
    ...(r.cse ? cseRows(`CSE on ${r.database}`, r.cse) : []),
    ...(r.csePostgres ? cseRows('CSE on postgres', r.csePostgres) : []),
    ...(r.pipeline ? pipelineRows(r.pipeline) : []),
    ...(r.ws ? wsRows(r.ws) : []),
    ...(r.privacy ? privacyRows(r.privacy) : []),
    'Targets',
    ...r.targets.map(
      (t) =>
        `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.metric} = ${fmt(t.value)} (target ${t.op} ${fmt(t.target)})`,
    ),
    '',
  ];
  if (r.profile) out.push(...profileRows('CPU profile of the CSE process', r.profile));
  if (r.pipelineProfile)
    out.push(...profileRows('CPU profile of the platform under pipeline load', r.pipelineProfile));
  if (r.wsProfile)
    out.push(...profileRows('CPU profile of the platform holding the sockets', r.wsProfile));
  const perTick = r.pipeline?.profileUsPerTick;
  if (perTick)
    out.push(
      `Main-thread busy time per tick (profile over ${fmt(perTick.ticks)} ticks): ${fmt(perTick.busy)} µs`,
      ...perTick.stages.map((st) => `  ${fmt(st.us).padStart(6)} µs  ${st.stage}`),
      '',
    );
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}
