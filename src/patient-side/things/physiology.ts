import type { Acvpu } from '../../protocol/reading.js';
import { EpisodeLog } from './episode-log.js';
import {
  DEFAULT_RAMP_MS,
  EPISODE_KINDS,
  VITALS,
  drawTargets,
  phaseAt,
  severityAt,
  type Episode,
  type EpisodeKind,
  type EpisodePhase,
  type Targets,
  type Vital,
} from './episodes.js';
import { thingError } from './errors.js';
import { SeededNoise, seedFrom, sequence } from './random.js';

export type Vitals = Record<Vital, number> & { acvpu: Acvpu };
export type Baseline = Record<Vital, number> & { ageYears: number };
export interface Oxygen {
  on: boolean;
  flowLpm: number;
}

/** An episode set up in advance, relative to the simulation's start (simulated time). */
export interface ScheduledEpisode {
  kind: EpisodeKind;
  afterMs: number;
  rampMs?: number;
  peak?: number;
  /** Recovery starts this long after the start; without it the episode lasts until endEpisode. */
  durationMs?: number;
}

export interface PhysiologyOptions {
  /** Pseudonymous patient id; also the default seed. */
  patient: string;
  /** PRNG seed: the same seed, clock readings and commands give the same patient and values. */
  seed?: number;
  /** Wall clock in ms since the epoch (injectable for tests). */
  clock?: () => number;
  /** Simulated time runs this many times faster than the clock (60: an hour a minute). */
  timeCompression?: number;
  /** Ramp-in time per kind, simulated ms (defaults in episodes.ts). */
  rampMs?: Partial<Record<EpisodeKind, number>>;
  schedule?: ScheduledEpisode[];
  /** Simulated ms between independent draws of measurement noise. */
  noisePeriodMs?: number;
}

export interface EpisodeView {
  kind: EpisodeKind;
  phase: EpisodePhase;
  severity: number;
  /** Wall-clock times (ISO 8601). */
  startsAt: string;
  recoveryStartsAt?: string;
}

/** Outside these a value is not physiology but a broken model. */
const PLAUSIBLE: Record<Vital, [number, number]> = {
  spo2: [70, 100],
  pulse: [30, 200],
  respiratoryRate: [5, 50],
  temperature: [34, 42],
  systolic: [60, 230],
  diastolic: [30, 140],
};
/** Day-night swing (half amplitude); one afternoon peak for all, a simplification. */
const CIRCADIAN: Record<Vital, number> = {
  spo2: 0,
  pulse: 5,
  respiratoryRate: 1,
  temperature: 0.3,
  systolic: 6,
  diastolic: 4,
};
/** Slow wandering over DRIFT_PERIOD_MS, and per-measurement device noise (standard deviations). */
const DRIFT_SD: Record<Vital, number> = {
  spo2: 0.6,
  pulse: 3,
  respiratoryRate: 0.8,
  temperature: 0.1,
  systolic: 4,
  diastolic: 3,
};
const NOISE_SD: Record<Vital, number> = {
  spo2: 0.6,
  pulse: 1.5,
  respiratoryRate: 0.8,
  temperature: 0.05,
  systolic: 3,
  diastolic: 2.5,
};
const DRIFT_PERIOD_MS = 20 * 60_000;
const HOUR_MS = 3_600_000;
/** Sepsis brings new confusion late, once this severe. */
const CONFUSION_SEVERITY = 0.8;
/** Standard flowmeters stop at 15 L/min. */
export const MAX_OXYGEN_FLOW_LPM = 15;

const round = (x: number, decimals: number) => Math.round(x * 10 ** decimals) / 10 ** decimals;

/**
 * One simulated patient's body: a per-patient baseline, a daily rhythm,
 * slow drift, deterioration episodes and the effect of supplemental oxygen.
 * `truth` is what the body does; `measure` adds a device's noise and
 * rounding. Both are pure functions of simulated time (plus the commands
 * given so far), so values are deterministic for a seed.
 */
export class Physiology {
  readonly patient: string;
  readonly seed: number;
  readonly baseline: Baseline;
  /** Wall-clock time the simulation started; simulated time equals it there. */
  readonly epoch: number;
  readonly noise: SeededNoise;
  private readonly clock: () => number;
  private readonly compression: number;
  private readonly targets: Record<EpisodeKind, Targets>;
  private readonly chronotypeH: number;
  private readonly rampMs: Record<EpisodeKind, number>;
  /** Simulated ms between independent draws of measurement noise (and of motion artefacts). */
  readonly noisePeriodMs: number;
  private readonly log = new EpisodeLog();
  private o2: Oxygen = { on: false, flowLpm: 0 };

  constructor(opts: PhysiologyOptions) {
    const compression = opts.timeCompression ?? 1;
    if (!(compression > 0 && Number.isFinite(compression)))
      throw thingError.badRequest('timeCompression must be a positive number');
    this.patient = opts.patient;
    this.seed = (opts.seed ?? seedFrom(opts.patient)) >>> 0;
    this.clock = opts.clock ?? Date.now;
    this.compression = compression;
    this.epoch = this.clock();
    this.noise = new SeededNoise(this.seed);
    this.rampMs = { ...DEFAULT_RAMP_MS, ...opts.rampMs };
    this.noisePeriodMs = opts.noisePeriodMs ?? 5_000;

    // Draw order is part of the seed's meaning: append new draws, never reorder.
    const next = sequence(this.seed);
    const age = 25 + next() * 65;
    const elderly = age >= 70;
    this.baseline = {
      ageYears: Math.round(age),
      pulse: 62 + next() * 20,
      respiratoryRate: 13 + next() * 4 + (elderly ? 1 : 0),
      spo2: 98.8 - next() * 2 - (elderly ? 0.8 : 0),
      temperature: 36.4 + next() * 0.5 - (elderly ? 0.1 : 0),
      systolic: 108 + (age - 25) * 0.45 + next() * 14,
      diastolic: 64 + next() * 14 + (age >= 60 ? 4 : 0),
    };
    this.chronotypeH = next() * 3 - 1.5;
    this.targets = drawTargets(next);

    for (const s of opts.schedule ?? []) {
      const start = this.epoch + s.afterMs;
      const rampMs = s.rampMs ?? this.rampMs[s.kind];
      this.log.add({
        kind: s.kind,
        start,
        rampMs,
        recoveryMs: rampMs,
        ...(s.peak !== undefined ? { peak: s.peak } : {}),
        ...(s.durationMs !== undefined ? { end: start + s.durationMs } : {}),
      });
    }
  }

  /** Simulated time now, in Unix ms on the simulated timeline. */
  simNow(): number {
    return this.epoch + (this.clock() - this.epoch) * this.compression;
  }

  /** The wall-clock time at which simulated time `sim` happens (readings carry wall-clock times). */
  wallTimeOf(sim: number): number {
    return this.epoch + (sim - this.epoch) / this.compression;
  }

  /** Severity of a kind at simulated time t (0 to 1). */
  severity(kind: EpisodeKind, t = this.simNow()): number {
    return this.log.severity(kind, t);
  }

  /** The body's own values at simulated time t, with no device noise. */
  truth(t = this.simNow()): Vitals {
    const s = Object.fromEntries(EPISODE_KINDS.map((k) => [k, this.severity(k, t)])) as Record<
      EpisodeKind,
      number
    >;
    // Illness flattens the daily rhythm (sepsis abolishes it), so rhythm and
    // drift fade as the worst episode grows; that also lets full severity
    // land on the targets.
    const calm = 1 - Math.max(...Object.values(s));
    const hour = (((t / HOUR_MS) % 24) + 24) % 24; // UTC: simulated patients live in no time zone
    const day = Math.cos((2 * Math.PI * (hour - 17 - this.chronotypeH)) / 24);
    // Fraction of the oxygen gap closed by the flow (diminishing returns per L/min).
    const relief = this.o2.on ? 1 - Math.exp(-this.o2.flowLpm / 3) : 0;
    const v = {} as Record<Vital, number>;
    for (const vital of VITALS) {
      const base = this.baseline[vital];
      const drift = this.noise.smooth(`drift:${vital}`, t / DRIFT_PERIOD_MS);
      let x = base + calm * (CIRCADIAN[vital] * day + DRIFT_SD[vital] * drift);
      for (const kind of EPISODE_KINDS) {
        const target = this.targets[kind][vital];
        if (target === undefined) continue;
        // Oxygen also eases the breathlessness and tachycardia that hypoxia drives.
        const eased =
          kind === 'hypoxia' && (vital === 'pulse' || vital === 'respiratoryRate')
            ? 1 - 0.5 * relief
            : 1;
        x += s[kind] * eased * (target - base);
      }
      v[vital] = x;
    }
    if (v.spo2 < 99) v.spo2 += (99 - v.spo2) * relief;
    return { ...plausible(v), acvpu: s.sepsis >= CONFUSION_SEVERITY ? 'C' : 'A' };
  }

  /** What a device shows at simulated time t: truth, plus noise drawn per noise period, rounded. */
  measure(t = this.simNow()): Vitals {
    const truth = this.truth(t);
    const i = Math.floor(t / this.noisePeriodMs);
    const v = {} as Record<Vital, number>;
    for (const vital of VITALS) {
      const x = truth[vital] + NOISE_SD[vital] * this.noise.normal(`noise:${vital}`, i);
      v[vital] = round(x, vital === 'temperature' ? 1 : 0);
    }
    return { ...plausible(v), acvpu: truth.acvpu };
  }

  get oxygen(): Oxygen {
    return { ...this.o2 };
  }

  /** Sets supplemental oxygen; contradictory settings are refused rather than guessed at. */
  setOxygen(o: Oxygen): Oxygen {
    if (!(o.flowLpm >= 0 && o.flowLpm <= MAX_OXYGEN_FLOW_LPM))
      throw thingError.badRequest(`flowLpm must be between 0 and ${MAX_OXYGEN_FLOW_LPM}`);
    if (o.on && o.flowLpm === 0) throw thingError.badRequest('flowLpm must be above 0 when on');
    if (!o.on && o.flowLpm !== 0) throw thingError.badRequest('flowLpm must be 0 when off');
    this.o2 = { on: o.on, flowLpm: o.flowLpm };
    return this.oxygen;
  }

  startEpisode(kind: EpisodeKind, opts: { rampMs?: number; peak?: number } = {}): EpisodeView {
    const t = this.simNow();
    return this.view(this.log.start(kind, t, opts.rampMs ?? this.rampMs[kind], opts.peak), t);
  }

  /** Starts recovery of the episodes under way (of one kind, or all). */
  endEpisode(kind?: EpisodeKind, opts: { recoveryMs?: number } = {}): EpisodeView[] {
    const t = this.simNow();
    return this.log.end(kind, t, opts.recoveryMs).map((e) => this.view(e, t));
  }

  /** Episodes scheduled, under way or recovering at simulated time t. */
  episodes(t = this.simNow()): EpisodeView[] {
    return this.log.current(t).map((e) => this.view(e, t));
  }

  private view(e: Episode, t: number): EpisodeView {
    return {
      kind: e.kind,
      phase: phaseAt(e, t),
      severity: round(severityAt(e, t), 2),
      startsAt: new Date(this.wallTimeOf(e.start)).toISOString(),
      ...(e.end !== undefined
        ? { recoveryStartsAt: new Date(this.wallTimeOf(e.end)).toISOString() }
        : {}),
    };
  }
}

function plausible(v: Record<Vital, number>): Record<Vital, number> {
  const out = {} as Record<Vital, number>;
  for (const vital of VITALS) {
    const [lo, hi] = PLAUSIBLE[vital];
    out[vital] = Math.min(hi, Math.max(lo, v[vital]));
  }
  // Clamping each value alone could cross the pair over; keep it a coherent blood pressure.
  out.diastolic = Math.min(out.diastolic, out.systolic - 20);
  return out;
}
