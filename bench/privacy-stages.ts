/**
 * The `privacy` part of `npm run bench`: what the pipeline's labelling and
 * redaction stages cost per tick, in this process, on the very code the
 * application server runs (src/app-server/privacy), with no I/O around them.
 * Ticks are the pipeline part's (./vitals.ts: seven vital signs, the
 * position, sometimes a note, one in twenty an alert) through the real FHIR
 * mapping with their NEWS2 score, as pipeline.ts feeds them to label() and
 * versions(). Timestamps are fixed, so `versionsSha256` (of every version's
 * JSON) tells whether a change to the stages changed their output.
 */
import { createHash } from 'node:crypto';
import { assessNews2, toFhirBundle } from '../src/app-server/clinical/index.js';
import { defaultRuleSet, label, versions } from '../src/app-server/privacy/index.js';
import type { FhirBundle } from '../src/app-server/privacy/index.js';
import { CONFIDENTIALITY } from '../src/protocol/levels.js';
import { percentile, round } from './stats.js';
import { ALERT_EVERY, tickBatch } from './vitals.js';

export interface PrivacyResult {
  /** Distinct ticks labelled and redacted in each round (ten patients, one gateway each). */
  ticks: number;
  rounds: number;
  /** µs per tick of label(), over the rounds: min, median, max. */
  labelUs: Spread;
  /** µs per tick of versions() (all six), over the rounds. */
  versionsUs: Spread;
  /** Bytes of the six versions' JSON of one tick, on average. */
  versionBytesPerTick: number;
  /** SHA-256 of the JSON of every version of every tick, in order (fixed timestamps). */
  versionsSha256: string;
}

interface Spread {
  min: number;
  median: number;
  max: number;
}

const AT = '2026-12-01T08:00:00.000Z';

/** The FHIR bundles of `count` ticks, as the pipeline maps them. */
export function privacyTicks(count: number): FhirBundle[] {
  return Array.from({ length: count }, (_, i) => {
    const { batch } = tickBatch(`pt-${i % 10}`, `gw${i % 10}`, i + 1, i % ALERT_EVERY === 10);
    const fixed = { ...batch, at: AT, readings: batch.readings.map((r) => ({ ...r, at: AT })) };
    const news2 = assessNews2(fixed.readings, { spo2Scale: 1 });
    return toFhirBundle(fixed, { news2 });
  });
}

export function benchPrivacy(options: { ticks?: number; rounds?: number } = {}): PrivacyResult {
  const ticks = options.ticks ?? 200;
  const rounds = options.rounds ?? 40;
  const bundles = privacyTicks(ticks);
  const rules = defaultRuleSet();
  const digest = createHash('sha256');
  let bytes = 0;
  for (const bundle of bundles) {
    const six = versions(label(bundle, rules));
    for (const rl of CONFIDENTIALITY) {
      const json = JSON.stringify(six[rl]);
      bytes += json.length;
      digest.update(json);
    }
  }
  // Warm-up: let V8 optimise both stages before anything is timed.
  for (let i = 0; i < 5; i++) for (const b of bundles) versions(label(b, rules));

  // Tick by tick, as pipeline.ts runs them: a record dies young, as it does there.
  const labelUs: number[] = [];
  const versionsUs: number[] = [];
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    let inLabel = 0;
    let inVersions = 0;
    for (const bundle of bundles) {
      const t0 = performance.now();
      const labelled = label(bundle, rules);
      const t1 = performance.now();
      sink += Object.keys(versions(labelled)).length;
      const t2 = performance.now();
      inLabel += t1 - t0;
      inVersions += t2 - t1;
    }
    labelUs.push((inLabel * 1000) / ticks);
    versionsUs.push((inVersions * 1000) / ticks);
  }
  if (sink !== rounds * ticks * CONFIDENTIALITY.length) throw new Error('versions went missing');
  return {
    ticks,
    rounds,
    labelUs: spread(labelUs),
    versionsUs: spread(versionsUs),
    versionBytesPerTick: Math.round(bytes / ticks),
    versionsSha256: digest.digest('hex'),
  };
}

function spread(samples: number[]): Spread {
  return {
    min: round(Math.min(...samples)),
    median: round(percentile(samples, 50)),
    max: round(Math.max(...samples)),
  };
}
