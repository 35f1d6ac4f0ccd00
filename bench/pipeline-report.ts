import type { PipelineResult } from './pipeline.js';
import type { CseReport, Target } from './report.js';
import { round } from './stats.js';
import { fmt, rows } from './table.js';

type Step = PipelineResult['steps'][number];

/** The measured phase's latencies, as bench/pipeline.ts documents them on StepResult (rounded). */
type Latencies = Pick<
  Step,
  | 'latencyP50Ms'
  | 'latencyP99Ms'
  | 'latencyMaxMs'
  | 'alertLatencyP50Ms'
  | 'alertLatencyP99Ms'
  | 'alertTicks'
  | 'alertToScreenP50Ms'
  | 'alertToScreenP99Ms'
  | 'alertToScreenMaxMs'
  | 'alertToScreenSamples'
  | 'alertToScreenUnknown'
  | 'alertRaiseP50Ms'
  | 'alertRaiseP99Ms'
  | 'alertPushP50Ms'
  | 'alertPushP99Ms'
>;

/** The pipeline phase in the report: the measured phase at the operating point, floors, ratios, the search. */
export interface PipelineReport extends Latencies {
  patients: number;
  readingsPerTick: number;
  alertEvery: number;
  operatingTicksPerSec: number;
  operatingPerPatientPerSec: number;
  operatingPointChosenBy: string;
  measuredSeconds: number;
  /** Vital-sign readings of fully notified ticks per second (end to end). */
  observationsPerSec: number;
  ticksNotifiedPerSec: number;
  /** Over the whole run: high alerts raised on the screen, and the doctor's resolves that failed. */
  alertsRaised: number;
  alertResolveFailures: number;
  /** Times the CSE cut a bench caregiver's notification channel and it reconnected (expected 0). */
  channelCuts: number;
  ticksSent: number;
  ticksNotified: number;
  missing: number;
  createFailures: number;
  duplicates: number;
  serverCpuUsPerTick: number;
  serverCpuPct: number;
  serverMainThreadPct: number;
  /**
   * SQLite statements per tick notified in the measured phase, per database
   * (cse, app): how many, the µs spent in them on the main thread, and how
   * many of each kind (select, insert, update, begin, commit, savepoint…).
   */
  sqlPerTick: Record<string, { statements: number; us: number; byKind: Record<string, number> }>;
  rssMb: number;
  floors: PipelineResult['floors'] & { dbRowsPerSec: number };
  ratios: {
    /** observationsPerSec over hpkeOpenPerSec × readingsPerTick (the bound HPKE alone sets). */
    observationsVsHpkeBound: number;
    /** The same against the 16-in-flight HPKE rate. */
    observationsVsHpkeConcurrentBound: number;
    /** One tick's computation (floors.computeUsPerTick) over the server's CPU per tick. */
    computeShareOfServerCpu: number;
    /** contentInstance creates and notifications the CSE handles per tick. */
    cseCreatesPerTick: number;
    cseNotificationsPerTick: number;
    /** Creates per second the CSE handled in the measured phase. */
    cseCreatesPerSec: number;
    /** Ticks/s the CSE alone allows: its saturated creates/s (CSE part) over creates per tick. */
    cseBoundTicksPerSec?: number;
    /** The same with the CPU a notified create costs (CSE part, half load). */
    cseNotifiedBoundTicksPerSec?: number;
  };
  decrypted: number;
  decryptedOk: number;
  decryptProblems: string[];
  /**
   * With --profile: the server's main-thread busy time per tick, by stage
   * (pipelineProfile.stages over every tick the run created; profiling
   * slows the server, so these are somewhat above the unprofiled cost).
   */
  profileUsPerTick?: { ticks: number; busy: number; stages: Array<{ stage: string; us: number }> };
  consistency: PipelineResult['consistency'];
  provisionMs: number;
  steps: Array<
    Pick<
      Step,
      | 'ticksPerSec'
      | 'perPatientPerSec'
      | 'observationsPerSec'
      | 'latencyP50Ms'
      | 'latencyP99Ms'
      | 'alertLatencyP99Ms'
      | 'alertToScreenP99Ms'
      | 'serverCpuPct'
      | 'serverCpuUsPerTick'
      | 'serverMainThreadPct'
      | 'sustained'
    > & { why?: string }
  >;
}

/** Targets of the pipeline phase (issue 3, item 7). */
export const PIPELINE_TARGETS = {
  observationsPerSec: { op: '>=', target: 20_000 },
  alertLatencyP99Ms: { op: '<=', target: 50 },
  alertToScreenP99Ms: { op: '<=', target: 100 },
} as const;

export function pipelineTargets(p: PipelineReport): Target[] {
  return Object.entries(PIPELINE_TARGETS).map(([key, t]) => {
    const value = p[key as keyof typeof PIPELINE_TARGETS];
    return {
      metric: `pipeline.${key}`,
      op: t.op,
      target: t.target,
      value,
      pass: Number.isFinite(value) && (t.op === '>=' ? value >= t.target : value <= t.target),
    };
  });
}

function sqlPerTick(sql: Step['sql'], ticks: number): PipelineReport['sqlPerTick'] {
  const out: PipelineReport['sqlPerTick'] = {};
  for (const [db, kinds] of Object.entries(sql)) {
    const all = Object.values(kinds);
    out[db] = {
      statements: round(all.reduce((n, k) => n + k.n, 0) / ticks, 2),
      us: Math.round((1000 * all.reduce((n, k) => n + k.ms, 0)) / ticks),
      byKind: Object.fromEntries(
        Object.entries(kinds)
          .sort((a, b) => b[1].n - a[1].n)
          .map(([kind, k]) => [kind, round(k.n / ticks, 2)]),
      ),
    };
  }
  return out;
}

export function pipelineReport(
  r: PipelineResult,
  dbInsertsPerSec: number,
  cse: CseReport | undefined,
): PipelineReport {
  const m = r.measured;
  const ticksNotifiedPerSec = m.observationsPerSec / r.readingsPerTick;
  const cseCreatesPerTick = 1 + 6 + 6 / r.alertEvery;
  const step = (s: Step): PipelineReport['steps'][number] => ({
    ticksPerSec: s.ticksPerSec,
    perPatientPerSec: round(s.perPatientPerSec, 2),
    observationsPerSec: Math.round(s.observationsPerSec),
    latencyP50Ms: round(s.latencyP50Ms),
    latencyP99Ms: round(s.latencyP99Ms),
    alertLatencyP99Ms: round(s.alertLatencyP99Ms),
    alertToScreenP99Ms: round(s.alertToScreenP99Ms),
    serverCpuPct: Math.round(s.serverCpuPct),
    serverCpuUsPerTick: Math.round(s.serverCpuUsPerTick),
    serverMainThreadPct: Math.round(s.serverMainThreadPct),
    sustained: s.sustained,
    ...(s.why === undefined ? {} : { why: s.why }),
  });
  return {
    patients: r.patients,
    readingsPerTick: r.readingsPerTick,
    alertEvery: r.alertEvery,
    operatingTicksPerSec: r.operatingTicksPerSec,
    operatingPerPatientPerSec: round(r.operatingPerPatientPerSec, 2),
    operatingPointChosenBy: r.operatingPointChosenBy,
    measuredSeconds: m.seconds,
    observationsPerSec: Math.round(m.observationsPerSec),
    ticksNotifiedPerSec: round(ticksNotifiedPerSec),
    latencyP50Ms: round(m.latencyP50Ms),
    latencyP99Ms: round(m.latencyP99Ms),
    latencyMaxMs: round(m.latencyMaxMs),
    alertLatencyP50Ms: round(m.alertLatencyP50Ms),
    alertLatencyP99Ms: round(m.alertLatencyP99Ms),
    alertTicks: m.alertTicks,
    alertToScreenP50Ms: round(m.alertToScreenP50Ms),
    alertToScreenP99Ms: round(m.alertToScreenP99Ms),
    alertToScreenMaxMs: round(m.alertToScreenMaxMs),
    alertToScreenSamples: m.alertToScreenSamples,
    alertToScreenUnknown: m.alertToScreenUnknown,
    alertRaiseP50Ms: round(m.alertRaiseP50Ms),
    alertRaiseP99Ms: round(m.alertRaiseP99Ms),
    alertPushP50Ms: round(m.alertPushP50Ms),
    alertPushP99Ms: round(m.alertPushP99Ms),
    alertsRaised: r.screen.raised,
    alertResolveFailures: r.screen.resolveFailures,
    channelCuts: r.screen.channelCuts,
    ticksSent: m.sent,
    ticksNotified: m.notified,
    missing: m.missing,
    createFailures: m.failed,
    duplicates: m.duplicates,
    serverCpuUsPerTick: Math.round(m.serverCpuUsPerTick),
    serverCpuPct: Math.round(m.serverCpuPct),
    serverMainThreadPct: Math.round(m.serverMainThreadPct),
    sqlPerTick: sqlPerTick(m.sql, m.notified),
    rssMb: r.rssMb,
    floors: { ...r.floors, dbRowsPerSec: Math.round(dbInsertsPerSec) },
    ratios: {
      observationsVsHpkeBound: round(
        m.observationsPerSec / (r.floors.hpkeOpenPerSec * r.readingsPerTick),
        3,
      ),
      observationsVsHpkeConcurrentBound: round(
        m.observationsPerSec / (r.floors.hpkeOpenConcurrentPerSec * r.readingsPerTick),
        3,
      ),
      computeShareOfServerCpu: round(r.floors.computeUsPerTick / m.serverCpuUsPerTick, 3),
      cseCreatesPerTick: round(cseCreatesPerTick, 2),
      cseNotificationsPerTick: round(2 + 1 / r.alertEvery, 2),
      cseCreatesPerSec: Math.round(ticksNotifiedPerSec * cseCreatesPerTick),
      ...(cse
        ? {
            cseBoundTicksPerSec: Math.round(cse.cinCreatesPerSec / cseCreatesPerTick),
            cseNotifiedBoundTicksPerSec: Math.round(
              1e6 / (cse.cpuUsPerNotifiedCreate * cseCreatesPerTick),
            ),
          }
        : {}),
    },
    decrypted: r.decrypted,
    decryptedOk: r.decryptedOk,
    decryptProblems: r.decryptProblems,
    consistency: r.consistency,
    provisionMs: Math.round(r.provisionMs),
    steps: r.steps.map(step),
  };
}

export function pipelineRows(p: PipelineReport): string[] {
  const f = p.floors;
  const us = f.stageUs;
  return [
    ...rows(
      `Monitoring pipeline (whole platform, SQLite): ${p.patients} patients, ${p.readingsPerTick} readings per tick, 1 tick in ${p.alertEvery} an alert`,
      [
        [
          'operating point',
          `${fmt(p.operatingTicksPerSec)} ticks/s (${fmt(p.operatingPerPatientPerSec)} per patient), ${p.measuredSeconds} s`,
        ],
        ['  chosen as', p.operatingPointChosenBy],
        [
          'observations/s end to end',
          `${fmt(p.observationsPerSec)} (${fmt(p.ticksNotifiedPerSec)} ticks/s fully notified)`,
        ],
        [
          'latency p50 / p99 / max (tick due → nurse notified)',
          `${fmt(p.latencyP50Ms)} / ${fmt(p.latencyP99Ms)} / ${fmt(p.latencyMaxMs)} ms`,
        ],
        [
          'alert latency p50 / p99 (→ doctor notified)',
          `${fmt(p.alertLatencyP50Ms)} / ${fmt(p.alertLatencyP99Ms)} ms over ${fmt(p.alertTicks)} alerts`,
        ],
        [
          'alert to screen p50 / p99 / max (→ live channel)',
          `${fmt(p.alertToScreenP50Ms)} / ${fmt(p.alertToScreenP99Ms)} / ${fmt(p.alertToScreenMaxMs)} ms over ${fmt(p.alertToScreenSamples)} alerts raised (${fmt(p.alertToScreenUnknown)} left out: tick not known)`,
        ],
        [
          '  of which due → raised / raised → screen p50, p99',
          `${fmt(p.alertRaiseP50Ms)}, ${fmt(p.alertRaiseP99Ms)} / ${fmt(p.alertPushP50Ms)}, ${fmt(p.alertPushP99Ms)} ms`,
        ],
        [
          'ticks sent / notified / missing',
          `${fmt(p.ticksSent)} / ${fmt(p.ticksNotified)} / ${fmt(p.missing)} (failed creates ${fmt(p.createFailures)}, duplicates ${fmt(p.duplicates)})`,
        ],
        [
          'server CPU per tick',
          `${fmt(p.serverCpuUsPerTick)} µs (${fmt(p.serverCpuPct)} % of a core; main thread ${fmt(p.serverMainThreadPct)} % busy)`,
        ],
        ...Object.entries(p.sqlPerTick).map(([db, q]): [string, string] => [
          `SQLite statements per tick, ${db} database`,
          `${fmt(q.statements)} taking ${fmt(q.us)} µs (${Object.entries(q.byKind)
            .map(([kind, n]) => `${kind} ${fmt(n)}`)
            .join(', ')})`,
        ]),
        ['server RSS', `${fmt(p.rssMb)} MB`],
        [
          'versions decrypted by the caregivers (sample)',
          `${fmt(p.decryptedOk)} of ${fmt(p.decrypted)} showed the heart rate sent`,
        ],
        [
          'whole run: ticks created / versions / alerts',
          `${fmt(p.consistency.ticksCreated)} / ${fmt(p.consistency.versions)} (expected ${fmt(p.consistency.versionsExpected)}) / ${fmt(p.consistency.alerts)} (expected ${fmt(p.consistency.alertsExpected)}); rejected ${fmt(p.consistency.rejected)}`,
        ],
      ],
    ).slice(0, -1),
    ...rows('  floors (benchmark process)', [
      [
        'HPKE open (auth mode) /s',
        `${fmt(f.hpkeOpenPerSec)} one at a time, ${fmt(f.hpkeOpenConcurrentPerSec)} with 16 in flight (raw X25519: ${fmt(f.x25519PerSec)}/s, two per open)`,
      ],
      [
        'AES-256-GCM seal /s',
        `${fmt(f.aesSealPerSec)} of 2 KB; ${fmt(f.aesSealRealPerSec)} of a real ${fmt(f.aesSealRealBytes)}-byte version`,
      ],
      ['database rows/s (raw SQLite inserts)', fmt(f.dbRowsPerSec)],
      [
        'one tick, µs per stage',
        `open ${fmt(us.hpkeOpen)} · validate ${fmt(us.validate)} · NEWS2 ${fmt(us.news2)} · FHIR ${fmt(us.fhir)} · label ${fmt(us.label)} · redact ×6 ${fmt(us.redact)} · seal ×6 ${fmt(us.sealSix)} = ${fmt(f.computeUsPerTick)}`,
      ],
      [
        'sealed sizes',
        `reading ${fmt(f.sealedReadingBytes)} B; versions U–V ${Object.values(f.sealedVersionBytes)
          .map((b) => fmt(b))
          .join(' / ')} B`,
      ],
    ]).slice(0, -1),
    ...rows('  ratios', [
      [
        'observations/s vs HPKE opens/s × readings',
        `${fmt(round(p.ratios.observationsVsHpkeBound * 100))} % (16 in flight: ${fmt(round(p.ratios.observationsVsHpkeConcurrentBound * 100))} %)`,
      ],
      [
        'stage computation / server CPU per tick',
        `${fmt(round(p.ratios.computeShareOfServerCpu * 100))} %`,
      ],
      [
        'CSE work per tick',
        `${fmt(p.ratios.cseCreatesPerTick)} creates, ${fmt(p.ratios.cseNotificationsPerTick)} notifications (${fmt(p.ratios.cseCreatesPerSec)} creates/s now)`,
      ],
      ...(p.ratios.cseBoundTicksPerSec !== undefined
        ? [
            [
              'ticks/s the CSE alone would allow',
              `${fmt(p.ratios.cseBoundTicksPerSec)} (saturated creates), ${fmt(p.ratios.cseNotifiedBoundTicksPerSec ?? NaN)} (CPU of notified creates)`,
            ] as [string, string],
          ]
        : []),
    ]).slice(0, -1),
    ...rows(
      '  load search (ticks/s → obs/s, p50 / p99, alert p99, to screen p99, server CPU)',
      p.steps.map((s) => [
        `${fmt(s.ticksPerSec)} (${fmt(s.perPatientPerSec)}/patient)`,
        `${fmt(s.observationsPerSec)} obs/s, ${fmt(s.latencyP50Ms)} / ${fmt(s.latencyP99Ms)} ms, ${fmt(s.alertLatencyP99Ms)} ms, ${fmt(s.alertToScreenP99Ms)} ms, ${fmt(s.serverCpuPct)} %${s.sustained ? '' : `  ✗ ${s.why}`}`,
      ]),
    ),
  ];
}
