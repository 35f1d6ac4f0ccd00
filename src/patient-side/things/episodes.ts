/**
 * Deterioration episodes of a simulated patient: what each one does to the
 * vital signs at full severity, and how severity ramps in and recovers.
 *
 * Targets are absolute values drawn per patient, chosen so that at full
 * severity every affected parameter sits in a NEWS2 band that scores
 * (RCP 2017, NEWS2 chart 1): sepsis reaches RR >= 25, HR >= 131,
 * SBP <= 90 (each 3) and temperature >= 39.1 (2), then new confusion (3);
 * hypoxia SpO2 <= 91 (3 on scale 1) with RR >= 25; hypotension SBP <= 90
 * with HR 111-130 (2).
 */

export const EPISODE_KINDS = ['sepsis', 'hypoxia', 'hypotension'] as const;
export type EpisodeKind = (typeof EPISODE_KINDS)[number];

/** The vital signs a simulated body has (ACVPU is derived, see physiology.ts). */
export const VITALS = [
  'spo2',
  'pulse',
  'respiratoryRate',
  'temperature',
  'systolic',
  'diastolic',
] as const;
export type Vital = (typeof VITALS)[number];

/** Where each affected vital goes at full severity. */
export type Targets = Partial<Record<Vital, number>>;

/** [low, high] ranges the per-patient targets are drawn from. */
const TARGET_RANGES: Record<EpisodeKind, Partial<Record<Vital, [number, number]>>> = {
  sepsis: {
    respiratoryRate: [27, 32],
    pulse: [133, 145],
    temperature: [39.4, 39.9],
    systolic: [80, 88],
    diastolic: [44, 52],
    spo2: [93, 95],
  },
  hypoxia: { spo2: [83, 87], respiratoryRate: [25, 29], pulse: [112, 124] },
  hypotension: { systolic: [78, 86], diastolic: [42, 50], pulse: [112, 124] },
};

/** Draws one patient's targets, in a fixed order so a seed always gives the same patient. */
export function drawTargets(next: () => number): Record<EpisodeKind, Targets> {
  const out = {} as Record<EpisodeKind, Targets>;
  for (const kind of EPISODE_KINDS) {
    const t: Targets = {};
    for (const vital of VITALS) {
      const range = TARGET_RANGES[kind][vital];
      if (range) t[vital] = range[0] + next() * (range[1] - range[0]);
    }
    out[kind] = t;
  }
  return out;
}

/** How long each kind takes to ramp in, in simulated time, unless told otherwise. */
export const DEFAULT_RAMP_MS: Record<EpisodeKind, number> = {
  sepsis: 6 * 3_600_000,
  hypoxia: 45 * 60_000,
  hypotension: 90 * 60_000,
};

/** One episode. Times are simulated milliseconds since the epoch. */
export interface Episode {
  kind: EpisodeKind;
  start: number;
  rampMs: number;
  /** Severity reached at the end of the ramp, in (0, 1]. */
  peak: number;
  /** When recovery began (endEpisode, or a scheduled duration). */
  end?: number;
  recoveryMs: number;
}

export type EpisodePhase = 'scheduled' | 'onset' | 'established' | 'recovering' | 'over';

const smoothstep = (x: number) => {
  const c = Math.min(1, Math.max(0, x));
  return c * c * (3 - 2 * c);
};

function rising(e: Episode, t: number): number {
  if (t < e.start) return 0;
  return e.peak * (e.rampMs > 0 ? smoothstep((t - e.start) / e.rampMs) : 1);
}

/** Severity in [0, 1] at simulated time t: a smooth ramp in, and a smooth recovery from wherever it was. */
export function severityAt(e: Episode, t: number): number {
  if (e.end === undefined || t <= e.end) return rising(e, t);
  const left = e.recoveryMs > 0 ? 1 - smoothstep((t - e.end) / e.recoveryMs) : 0;
  return rising(e, e.end) * left;
}

export function phaseAt(e: Episode, t: number): EpisodePhase {
  if (t < e.start) return 'scheduled';
  if (e.end !== undefined && t > e.end) return t >= e.end + e.recoveryMs ? 'over' : 'recovering';
  return t >= e.start + e.rampMs ? 'established' : 'onset';
}

/** Started and not yet recovering: what endEpisode acts on, and what startEpisode refuses to double. */
export const isActive = (e: Episode, t: number) =>
  e.start <= t && (e.end === undefined || t <= e.end);
