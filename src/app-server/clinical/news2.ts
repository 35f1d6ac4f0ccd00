import type { Criticality } from '../../protocol/levels.js';
import type { Acvpu, DeviceStatus, Metric, Reading } from '../../protocol/reading.js';
import {
  charted,
  clinicalRisk,
  scoreAirOrOxygen,
  scoreConsciousness,
  scorePulse,
  scoreRespiratoryRate,
  scoreSpo2Scale1,
  scoreSpo2Scale2,
  scoreSystolicBP,
  scoreTemperature,
  type SubScore,
} from '../../protocol/news2-chart.js';
import { isPlausible } from './plausibility.js';

/**
 * NEWS2 assessment of one tick (RCP 2017, DESIGN.md step 6): which readings
 * count, how each is charted and scored (src/protocol/news2-chart.ts), and the clinical
 * risk that becomes the tick's criticality level (CL).
 */

/** The seven parameters of the chart, in the chart's order. */
export const NEWS2_PARAMETERS = [
  'respiratoryRate',
  'spo2',
  'airOrOxygen',
  'systolicBP',
  'pulse',
  'consciousness',
  'temperature',
] as const;
export type News2Parameter = (typeof NEWS2_PARAMETERS)[number];

export interface News2Options {
  /** SpO2 scale: 2 only for a patient prescribed it (hypercapnic respiratory failure, target 88–92 %). */
  spo2Scale: 1 | 2;
}

/** Where a value came from: its index in the readings assessed, and its device and time. */
export interface ReadingSource {
  reading: number;
  device: string;
  at: string;
}

/** One scored parameter: its value as charted (see `charted`) and its sub-score. */
export interface ScoredParameter<V> extends ReadingSource {
  value: V;
  score: SubScore;
}

export interface News2Parameters {
  respiratoryRate?: ScoredParameter<number>;
  spo2?: ScoredParameter<number>;
  airOrOxygen?: ScoredParameter<'air' | 'oxygen'>;
  systolicBP?: ScoredParameter<number>;
  pulse?: ScoredParameter<number>;
  consciousness?: ScoredParameter<Acvpu>;
  temperature?: ScoredParameter<number>;
}

/** A reading left out of the score: flagged by its device, or physiologically impossible. */
export interface ExcludedReading extends ReadingSource {
  metric: Metric;
  reason: 'artefact' | 'implausible';
}

/** A device reporting trouble (probe off, battery low, fault): not scored, but someone should look. */
export interface DeviceProblem extends ReadingSource {
  status: Exclude<DeviceStatus, 'ok'>;
  battery?: number;
}

export interface News2Assessment {
  /**
   * Aggregate score: the sum of the sub-scores present. When `incomplete`,
   * it is a lower bound (a missing parameter can only add), and so is `cl`.
   */
  score: number;
  parameters: News2Parameters;
  spo2Scale: 1 | 2;
  /** A "red score": 3 in any single parameter (RCP 2017, Chart 2). */
  redScore: boolean;
  /** Clinical risk (Chart 2) as the criticality level. */
  cl: Criticality;
  /** Some parameter had no usable reading: `score` and `cl` are lower bounds. */
  incomplete: boolean;
  /** The parameters with no usable reading, in chart order. */
  missing: News2Parameter[];
  excluded: ExcludedReading[];
  deviceProblems: DeviceProblem[];
}

type Scored = Exclude<Metric, 'deviceStatus'>;
type Sourced<M extends Scored> = ReadingSource & { of: Extract<Reading, { metric: M }> };

// An unreadable time sorts first, so it never displaces a reading with a real one.
function measuredAt(at: string): number {
  const t = Date.parse(at);
  return Number.isNaN(t) ? -Infinity : t;
}

/**
 * Assesses NEWS2 over the readings of one tick. A partial set is scored as far
 * as it goes and flagged `incomplete` (its score is a lower bound). Readings
 * flagged `artefact`, or outside physiological limits (./plausibility.ts),
 * are excluded and listed; device status readings are reported, never scored.
 * Of several usable readings of one metric, the latest by `at` counts (the
 * later in the list on a tie).
 *
 * SpO2 scale 2 at 93 % or more scores only on oxygen; if the tick says
 * nothing usable about oxygen, it is scored as on air, the lower bound, and
 * `airOrOxygen` is listed missing.
 */
export function assessNews2(readings: readonly Reading[], options: News2Options): News2Assessment {
  const excluded: ExcludedReading[] = [];
  const deviceProblems: DeviceProblem[] = [];
  const latest = new Map<Scored, Sourced<Scored>>();

  readings.forEach((r, reading) => {
    const source = { reading, device: r.device, at: r.at };
    if (r.metric === 'deviceStatus') {
      if (r.status !== 'ok') {
        const battery = r.battery === undefined ? {} : { battery: r.battery };
        deviceProblems.push({ ...source, status: r.status, ...battery });
      }
      return;
    }
    if (r.artefact === true || !isPlausible(r)) {
      excluded.push({
        ...source,
        metric: r.metric,
        reason: r.artefact ? 'artefact' : 'implausible',
      });
      return;
    }
    const held = latest.get(r.metric);
    if (!held || measuredAt(r.at) >= measuredAt(held.at)) {
      latest.set(r.metric, { ...source, of: r });
    }
  });

  // The map holds, under each metric, only a reading of that metric.
  const usable = <M extends Scored>(metric: M) => latest.get(metric) as Sourced<M> | undefined;
  const scored = <V>({ of: _, ...source }: Sourced<Scored>, value: V, score: SubScore) => ({
    ...source,
    value,
    score,
  });

  const parameters: News2Parameters = {};
  const rr = usable('respiratoryRate');
  if (rr) {
    const v = charted(rr.of.value, 0);
    parameters.respiratoryRate = scored(rr, v, scoreRespiratoryRate(v));
  }
  const oxygen = usable('supplementalOxygen');
  if (oxygen) {
    const on = oxygen.of.on;
    parameters.airOrOxygen = scored(oxygen, on ? 'oxygen' : 'air', scoreAirOrOxygen(on));
  }
  const spo2 = usable('spo2');
  if (spo2) {
    const v = charted(spo2.of.value, 0);
    const score =
      options.spo2Scale === 2 ? scoreSpo2Scale2(v, oxygen?.of.on === true) : scoreSpo2Scale1(v);
    parameters.spo2 = scored(spo2, v, score);
  }
  const bp = usable('bloodPressure');
  if (bp) {
    const v = charted(bp.of.systolic, 0);
    parameters.systolicBP = scored(bp, v, scoreSystolicBP(v));
  }
  const pulse = usable('pulse');
  if (pulse) {
    const v = charted(pulse.of.value, 0);
    parameters.pulse = scored(pulse, v, scorePulse(v));
  }
  const acvpu = usable('consciousness');
  if (acvpu) {
    parameters.consciousness = scored(acvpu, acvpu.of.value, scoreConsciousness(acvpu.of.value));
  }
  const temperature = usable('temperature');
  if (temperature) {
    const v = charted(temperature.of.value, 1);
    parameters.temperature = scored(temperature, v, scoreTemperature(v));
  }

  const present = NEWS2_PARAMETERS.flatMap((p) => parameters[p] ?? []);
  const score = present.reduce((sum, p) => sum + p.score, 0);
  const redScore = present.some((p) => p.score === 3);
  const missing = NEWS2_PARAMETERS.filter((p) => parameters[p] === undefined);
  return {
    score,
    parameters,
    spo2Scale: options.spo2Scale,
    redScore,
    cl: clinicalRisk(score, redScore),
    incomplete: missing.length > 0,
    missing,
    excluded,
    deviceProblems,
  };
}
