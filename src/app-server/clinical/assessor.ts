import { CRITICALITY, criticalityRank, type Criticality } from '../../protocol/levels.js';
import type { ReadingBatch } from '../../protocol/reading.js';
import { DEVICE_RULES, DeviceFaultWatch, type DeviceFaultOptions } from './device-faults.js';
import type { Finding } from './finding.js';
import { PatientHistory, TRACKED_SIGNS, type HistoryOptions } from './history.js';
import { assessNews2, type News2Assessment } from './news2.js';
import { StaleWatch, type StaleFinding, type StaleOptions } from './staleness.js';
import { thresholdFindings, type ClinicalSettings } from './thresholds.js';
import { fitTrend, judgeTrend, type TrendOptions } from './trend.js';

/** What the pipeline learns about one batch: NEWS2, every finding, and the CL the versions carry. */
export interface Assessment {
  news2: News2Assessment;
  findings: Finding[];
  /**
   * The rules evaluated at this batch with enough data to say "no": a rule
   * listed here without a finding did not hold (the alert lifecycle counts
   * that towards calming its alert); a rule not listed could not tell.
   */
  assessed: string[];
  /** The highest of NEWS2's CL and the findings' CLs. */
  cl: Criticality;
}

export interface AssessorOptions {
  history?: HistoryOptions;
  trend?: TrendOptions;
  stale?: StaleOptions;
  devices?: DeviceFaultOptions;
  /** The arrival clock (ms); injected by tests. */
  now?: () => number;
}

/** The highest CL of a list (low for none). */
export function highestCl(cls: readonly Criticality[]): Criticality {
  return CRITICALITY[Math.max(0, ...cls.map(criticalityRank))]!;
}

/** NEWS2 as a finding, when its CL is above low; a partial set says its score is a lower bound. */
export function news2Finding(n: News2Assessment): Finding | undefined {
  if (n.cl === 'low') return undefined;
  const red = n.redScore ? ', a single parameter scoring 3' : '';
  const partial = n.incomplete
    ? ` Partial set (missing ${n.missing.join(', ')}): the score is a lower bound.`
    : '';
  return {
    rule: 'news2',
    cl: n.cl,
    text: `NEWS2 ${n.score}${red} (SpO2 scale ${n.spo2Scale}).${partial}`,
  };
}

/**
 * The assessment stage of the pipeline (DESIGN.md step 6; issue 5 item 1):
 * NEWS2 on the tick, then the per-patient rules on the patient's in-memory
 * history: trends against the baseline, the clinician's thresholds, device
 * faults. Called once per opened batch, in each patient's arrival order (the
 * pipeline serialises a patient's batches). A batch no newer than one
 * already assessed from its gateway (the CSE retrying after a failed
 * publish, or a late one) is assessed but changes no history.
 * Stale data has no batch to ride on: `checkStale` runs on a timer.
 */
export class Assessor {
  readonly history: PatientHistory;
  private readonly stale: StaleWatch;
  private readonly devices: DeviceFaultWatch;
  private readonly now: () => number;
  private readonly trend: TrendOptions;
  /** pt → gateway → the highest sequence number assessed. */
  private readonly seen = new Map<string, Map<string, number>>();

  constructor(o: AssessorOptions = {}) {
    this.history = new PatientHistory(o.history);
    this.stale = new StaleWatch(o.stale);
    this.devices = new DeviceFaultWatch(o.devices);
    this.now = o.now ?? Date.now;
    this.trend = o.trend ?? {};
  }

  assess(pt: string, batch: ReadingBatch, settings: ClinicalSettings): Assessment {
    const news2 = assessNews2(batch.readings, { spo2Scale: settings.spo2Scale });
    const findings: Finding[] = [];
    // A reading arrived (a retried or late one too): the data is not stale.
    const assessed: string[] = ['stale-data', ...DEVICE_RULES];
    // A partial set can raise a NEWS2 finding (its score is a lower bound) but never calm one.
    if (!news2.incomplete) assessed.push('news2');
    const n = news2Finding(news2);
    if (n) findings.push(n);
    this.stale.seen(pt, this.now());
    if (this.isNew(pt, batch)) {
      this.history.addAssessment(pt, news2);
      this.devices.update(pt, batch.readings, news2, Date.parse(batch.at));
    }
    findings.push(...this.devices.findings(pt));
    for (const sign of TRACKED_SIGNS) {
      const fit = fitTrend(this.history.samples(pt, sign), this.trend);
      if (!fit) continue;
      assessed.push(`trend.${sign}`);
      const f = judgeTrend(sign, fit, this.history.baseline(pt, sign), this.trend);
      if (f) findings.push(f);
    }
    for (const sign of TRACKED_SIGNS)
      if (news2.parameters[sign]) assessed.push(`threshold.${sign}`);
    if (news2.parameters.spo2) assessed.push('threshold.spo2Target');
    findings.push(...thresholdFindings(news2, settings));
    return {
      news2,
      findings,
      assessed,
      cl: highestCl([news2.cl, ...findings.map((f) => f.cl)]),
    };
  }

  private isNew(pt: string, batch: ReadingBatch): boolean {
    let gws = this.seen.get(pt);
    if (!gws) this.seen.set(pt, (gws = new Map()));
    const last = gws.get(batch.gateway);
    if (last !== undefined && batch.seq <= last) return false;
    gws.set(batch.gateway, batch.seq);
    return true;
  }

  /** Watches a provisioned patient for silence from now (at start-up: nothing has arrived yet). */
  watch(pt: string): void {
    this.stale.watch(pt, this.now());
  }

  /** One `stale-data` finding per silent patient; the app server calls it periodically. */
  checkStale(now: number = this.now()): StaleFinding[] {
    return this.stale.check(now);
  }

  /** Forgets everything held about a patient (erasure). */
  forget(pt: string): void {
    this.history.forget(pt);
    this.stale.forget(pt);
    this.devices.forget(pt);
    this.seen.delete(pt);
  }
}
