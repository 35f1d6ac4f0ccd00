import { Rsc, TutelaError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { M2MClient } from '../../core/m2m/index.js';
import type { HpkeKeyPair } from '../../crypto/hpke.js';
import type { AuditLog } from '../audit/audit.js';
import {
  toFhirBundle,
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
import { publishVersions } from './publish.js';

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
}

export type Outcome =
  | {
      status: 'published';
      pt: string;
      src: string;
      cl: string;
      score: number;
      /** What the assessment found (the alert lifecycle's input). Health data: never logged. */
      findings: Finding[];
      /** The rules evaluated with enough data to say "no" (clinical/assessor.ts). */
      assessed: string[];
    }
  | { status: 'rejected'; pt: string; reason: RejectReason };

/**
 * The application server's pipeline for one sealed reading, as separate
 * stages: open → verify → map → label → assess → redact → seal → publish.
 * Readings of one patient go through one at a time, in arrival order, so the
 * replay guard and the published order agree; patients run concurrently.
 * A rejected reading is audited and dropped; it never stops the pipeline.
 */
export class MonitoringPipeline {
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: PipelineDeps) {}

  /** Processes one reading that arrived in patient `pt`'s inbox (serialised per patient). */
  process(pt: string, con: unknown, inboxRn?: string): Promise<Outcome> {
    const previous = this.queues.get(pt) ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() => this.run(pt, con))
      .then(async (outcome) => {
        if (inboxRn) await this.removeFromInbox(pt, inboxRn);
        return outcome;
      });
    this.queues.set(pt, run);
    const forget = () => {
      if (this.queues.get(pt) === run) this.queues.delete(pt);
    };
    run.then(forget, forget);
    return run;
  }

  /** Waits for every reading under way (at shutdown, before the database closes). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.queues.values()]);
  }

  private async run(pt: string, con: unknown): Promise<Outcome> {
    const d = this.deps;
    const opened = await openInboxReading(con, { pt, appKey: d.appKey, gateways: d.gateways });
    if (!opened.ok) return this.reject(pt, opened.reason, opened.detail, opened.dev);
    const { batch, dev, seq } = opened;
    const settings = await d.settingsOf(pt);
    let assessed;
    try {
      const assessment = d.assessor.assess(pt, batch, settings);
      const labelled = label(toFhirBundle(batch, { news2: assessment.news2 }), d.rules);
      assessed = { ...assessment, versions: versions(labelled) };
    } catch (err) {
      // A reading no stage can handle would fail on every retry: refuse it once, loudly.
      d.log.error({ err, pt, dev, seq }, 'a stage failed on an authentic reading');
      return this.reject(pt, 'unprocessable', `a stage failed on reading ${seq}`, dev);
    }
    const src = `${dev}:${seq}`;
    // Failures from here on (CSE, database) are transient: they propagate and the CSE retries.
    try {
      await publishVersions(d.cse, d.keyring, d.cseRn, {
        pt,
        src,
        at: batch.at,
        cl: assessed.cl,
        versions: assessed.versions,
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
      cl: assessed.cl,
      score: assessed.news2.score,
      findings: assessed.findings,
      assessed: assessed.assessed,
    };
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
