import { Rsc, TutelaError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { M2MClient } from '../../core/m2m/index.js';
import type { HpkeKeyPair } from '../../crypto/hpke.js';
import { criticalityRank } from '../../protocol/levels.js';
import type { ReadingBatch } from '../../protocol/reading.js';
import type { AuditLog } from '../audit/audit.js';
import {
  toFhirBundle,
  type Assessment,
  type Assessor,
  type ClinicalSettings,
  type Finding,
} from '../clinical/index.js';
import type { GatewayRegistry } from '../devices/gateways.js';
import type { Keyring } from '../keyring/keyring.js';
import { label } from '../privacy/label.js';
import { versions } from '../privacy/redact.js';
import type { RuleSet } from '../privacy/rules.js';
import type { AppDb } from '../store/db.js';
import { patientPaths } from '../layout/patient-layout.js';
import { openInboxReading, type RejectReason } from './open.js';
import { ALERT_FROM, publishVersions } from './publish.js';
import { PublishQueue } from './publish-queue.js';

export interface PipelineDeps {
  db: AppDb;
  cse: M2MClient;
  cseRn: string;
  appKey: { kid: string; pair: HpkeKeyPair };
  gateways: GatewayRegistry;
  keyring: Keyring;
  rules: RuleSet;
  audit: AuditLog;
  log: Logger;
  /** NEWS2 and the per-patient rules (issue 5 item 1). */
  assessor: Assessor;
  /** The patient's clinician-set settings (SpO2 scale, thresholds). */
  settingsOf: (pt: string) => Promise<ClinicalSettings>;
  /**
   * Hears each authentic reading's findings as soon as it is assessed, before
   * its versions are made (the alert lifecycle, issue 5): an alert does not
   * wait for redaction and publishing. Called in each patient's reading order.
   */
  observe?: (
    pt: string,
    findings: readonly Finding[],
    assessed: readonly string[],
  ) => Promise<void>;
  /** How many readings are redacted, sealed and published at once (default 16; docs/benchmarks.md). */
  publishConcurrency?: number;
}

export type Outcome =
  | {
      status: 'published';
      pt: string;
      src: string;
      cl: string;
      score: number;
      /** What the assessment found (handed to `observe` before publishing). Health data: never logged. */
      findings: Finding[];
      /** The rules evaluated with enough data to say "no" (clinical/assessor.ts). */
      assessed: string[];
    }
  | { status: 'rejected'; pt: string; reason: RejectReason };

/** An opened and assessed reading on its way to be published. */
interface Assessed {
  pt: string;
  dev: string;
  seq: number;
  src: string;
  batch: ReadingBatch;
  assessment: Assessment;
}

/**
 * The application server's pipeline for one sealed reading, as separate
 * stages: open → verify → map → assess, then label → redact → seal →
 * publish. The first half is cheap and runs for every reading as it
 * arrives; its findings go to the alert lifecycle at once. The second half
 * (most of the work) runs in a PublishQueue, a few readings at a time, and
 * patients with a tick of CL medium or high go first: a deteriorating
 * patient never waits behind the ward's routine readings (DESIGN.md step 9).
 * Each half keeps each patient's readings in arrival order, so the replay
 * guard and the published order agree; patients run concurrently. A
 * rejected reading is audited and dropped; it never stops the pipeline.
 */
export class MonitoringPipeline {
  /** Each patient's first half, chained: assessment sees readings in order. */
  private readonly assessing = new Map<string, Promise<unknown>>();
  /** Readings (`dev:seq`) assessed and not yet published: a second delivery joins the first. */
  private readonly underway = new Map<string, Promise<Outcome>>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly publishing: PublishQueue;

  constructor(private readonly deps: PipelineDeps) {
    this.publishing = new PublishQueue(deps.publishConcurrency ?? 16);
  }

  /** Processes one reading that arrived in patient `pt`'s inbox. */
  process(pt: string, con: unknown, inboxRn?: string): Promise<Outcome> {
    const previous = this.assessing.get(pt) ?? Promise.resolve();
    // The first half hands back the second's promise wrapped, so the chain does not wait for it.
    const first = previous.catch(() => undefined).then(() => this.firstHalf(pt, con));
    this.assessing.set(pt, first);
    const forget = () => {
      if (this.assessing.get(pt) === first) this.assessing.delete(pt);
    };
    first.then(forget, forget);
    const run = first
      .then(({ outcome }) => outcome)
      .then(async (outcome) => {
        if (inboxRn) await this.removeFromInbox(pt, inboxRn);
        return outcome;
      });
    this.pending.add(run);
    const settled = () => this.pending.delete(run);
    run.then(settled, settled);
    return run;
  }

  /** Waits for every reading under way (at shutdown, before the database closes). */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Open, verify, map and assess; tell the alert lifecycle; queue the rest. */
  private async firstHalf(pt: string, con: unknown): Promise<{ outcome: Promise<Outcome> }> {
    const d = this.deps;
    const opened = await openInboxReading(con, { pt, appKey: d.appKey, gateways: d.gateways });
    if (!opened.ok) return { outcome: this.reject(pt, opened.reason, opened.detail, opened.dev) };
    const { batch, dev, seq } = opened;
    const src = `${dev}:${seq}`;
    const already = this.underway.get(src);
    if (already) return { outcome: already };
    const settings = await d.settingsOf(pt);
    let assessment: Assessment;
    try {
      assessment = d.assessor.assess(pt, batch, settings);
    } catch (err) {
      return { outcome: this.unprocessable(err, pt, dev, seq) };
    }
    await d.observe?.(pt, assessment.findings, assessment.assessed);
    const reading: Assessed = { pt, dev, seq, src, batch, assessment };
    const urgent = criticalityRank(assessment.cl) >= criticalityRank(ALERT_FROM);
    const outcome = this.publishing.run(pt, urgent, () => this.secondHalf(reading));
    this.underway.set(src, outcome);
    const done = () => this.underway.delete(src);
    outcome.then(done, done);
    return { outcome };
  }

  /** Label, redact, seal and publish; only then is the reading accepted. */
  private async secondHalf(r: Assessed): Promise<Outcome> {
    const d = this.deps;
    const { pt, dev, seq, src, batch, assessment } = r;
    let versionsOf;
    try {
      const labelled = label(toFhirBundle(batch, { news2: assessment.news2 }), d.rules);
      versionsOf = versions(labelled);
    } catch (err) {
      return this.unprocessable(err, pt, dev, seq);
    }
    // Failures from here on (CSE, database) are transient: they propagate and the CSE retries.
    try {
      await publishVersions(d.cse, d.keyring, d.cseRn, {
        pt,
        src,
        at: batch.at,
        cl: assessment.cl,
        versions: versionsOf,
      });
    } catch (err) {
      // Erased (crypto-shredded) while the reading was on its way: nothing may be published.
      if (err instanceof TutelaError && err.code === 'patient_shredded')
        return this.reject(pt, 'patient_erased', `reading ${seq} arrived after erasure`, dev);
      throw err;
    }
    // Only now: a crash before this point republishes the same names, which the CSE refuses as duplicates.
    await d.gateways.accept(dev, seq);
    return {
      status: 'published',
      pt,
      src,
      cl: assessment.cl,
      score: assessment.news2.score,
      findings: assessment.findings,
      assessed: assessment.assessed,
    };
  }

  /** A reading no stage can handle would fail on every retry: refuse it once, loudly. */
  private unprocessable(err: unknown, pt: string, dev: string, seq: number): Promise<Outcome> {
    this.deps.log.error({ err, pt, dev, seq }, 'a stage failed on an authentic reading');
    return this.reject(pt, 'unprocessable', `a stage failed on reading ${seq}`, dev);
  }

  /**
   * The inbox is a transit queue: a reading leaves it once it is published or
   * refused for good. Raw readings are sealed to the application server's own
   * key, not to the patient's, so leaving them would outlive an erasure. The
   * name comes from an unauthenticated notification, so it is checked to be a
   * plain resource name and addressed under this patient's inbox: nothing
   * else can be deleted this way.
   */
  private async removeFromInbox(pt: string, rn: string): Promise<void> {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(rn) || rn === '.' || rn === '..') return;
    const path = `${patientPaths(this.deps.cseRn, pt).inbox}/${rn}`;
    const res = await this.deps.cse.request('DELETE', path);
    if (res.rsc !== Rsc.DELETED && res.rsc !== Rsc.NOT_FOUND)
      this.deps.log.warn(
        { pt, rn, rsc: res.rsc },
        'processed reading could not be removed from the inbox',
      );
  }

  private async reject(
    pt: string,
    reason: RejectReason,
    detail: string,
    dev: string | undefined,
  ): Promise<Outcome> {
    await this.deps.audit.record({
      actor: dev ?? 'unknown',
      action: 'reading.reject',
      pt,
      outcome: 'rejected',
      detail: `${reason}: ${detail}`,
    });
    this.deps.log.warn({ pt, dev, reason }, 'reading rejected');
    return { status: 'rejected', pt, reason };
  }
}
