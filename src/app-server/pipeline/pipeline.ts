import { TutelaError } from '../../core/errors.js';
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
import { INBOX_PAGE, listInbox, removeFromInbox } from './inbox.js';
import { openInboxReading, type RejectReason } from './open.js';
import { ALERT_FROM, publishVersions } from './publish.js';
import { LoopGovernor } from './loop-governor.js';
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
  /**
   * At most how many readings are redacted, sealed and published at once
   * (default 16; docs/benchmarks.md). Fewer while the event loop is slow to
   * answer (LoopGovernor), unless `adaptive` is false.
   */
  publishConcurrency?: number;
  adaptive?: boolean;
  /**
   * How many assessed readings may wait to be published while deliveries
   * are still answered as soon as they are assessed (default 2,048); beyond
   * it a delivery is answered only once its reading is published, so the
   * CSE holds the rest.
   */
  maxQueued?: number;
  /** The pause before a failed publish is tried again (ms; default 500, doubling up to `retryMaxMs`, default 30 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** A reading taken in: when its delivery may be answered, and how it ends. */
export interface Received {
  /**
   * Settles once the reading is assessed and waits, still in its inbox, to
   * be published, or once it is done; rejects on a failure before that
   * (the CSE then delivers it again).
   */
  acknowledged: Promise<void>;
  outcome: Promise<Outcome>;
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

/** A first half's result: how the reading ends, and whether it waits in the publish queue. */
interface FirstHalf {
  outcome: Promise<Outcome>;
  queued: boolean;
}

/**
 * The application server's pipeline for one sealed reading, as separate
 * stages: open → verify → map → assess, then label → redact → seal →
 * publish. The first half is cheap and runs for every reading as it
 * arrives; its findings go to the alert lifecycle at once, and the CSE's
 * delivery is answered then: the reading stays in the patient's inbox
 * until it is published, so the inbox, not the CSE's outbox, holds the
 * backlog, and a restart picks it up there (`sweep`). The second half
 * (most of the work) runs in a PublishQueue, a few readings at a time,
 * patients with a tick of CL medium or high first, and a failed publish is
 * tried again in place: a deteriorating patient never waits behind the
 * ward's routine readings (DESIGN.md step 9). Each half keeps each
 * patient's readings in arrival order, so the replay guard and the
 * published order agree; patients run concurrently. A rejected reading is
 * audited and dropped; it never stops the pipeline.
 */
export class MonitoringPipeline {
  /** Each patient's first halves, chained: assessment sees readings in order. */
  private readonly assessing = new Map<string, Promise<unknown>>();
  /** Readings (`dev:seq`) assessed and not yet published: a second delivery joins the first. */
  private readonly underway = new Map<string, Promise<Outcome>>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly publishing: PublishQueue;
  private readonly maxQueued: number;
  private readonly resweeps = new Set<NodeJS.Timeout>();
  private readonly governor: LoopGovernor | undefined;
  private closed = false;

  constructor(private readonly deps: PipelineDeps) {
    this.maxQueued = deps.maxQueued ?? 2048;
    const limit = deps.publishConcurrency ?? 16;
    const publishing = new PublishQueue({
      limit,
      retryBaseMs: deps.retryBaseMs ?? 500,
      retryMaxMs: deps.retryMaxMs ?? 30_000,
      onFailure: (pt, err, failures, pauseMs) =>
        deps.log.warn({ err, pt, failures, pauseMs }, 'publishing failed; trying again'),
    });
    this.publishing = publishing;
    // Keeps the loop free for the first halves (alerts) when the platform is overloaded.
    if (deps.adaptive !== false)
      this.governor = new LoopGovernor({
        max: limit,
        highMs: 20,
        lowMs: 8,
        everyMs: 100,
        onChange: (n) => publishing.setLimit(n),
      });
  }

  /** Processes one reading that arrived in patient `pt`'s inbox; settles as it ends. */
  process(pt: string, con: unknown, inboxRn?: string): Promise<Outcome> {
    return this.receive(pt, con, inboxRn).outcome;
  }

  /** Takes in one delivered reading of patient `pt` (the notify route answers on `acknowledged`). */
  receive(pt: string, con: unknown, inboxRn?: string): Received {
    return this.follow(
      pt,
      this.chain(pt, () => this.firstHalf(pt, con)),
      inboxRn,
    );
  }

  /**
   * Picks up what waits in patient `pt`'s inbox: readings whose delivery was
   * answered but which were not published when the last process ended, or
   * whose notification never came. Chained like a delivery, so readings
   * delivered later are assessed after these; one delivered again joins
   * its first run. A full page is followed by another look once it is
   * done; a failure, by another look later. Resolves with how many it found.
   */
  sweep(pt: string): Promise<number> {
    const d = this.deps;
    const found = this.chain(pt, async () => {
      const waiting = await listInbox(d.cse, d.cseRn, pt);
      const outcomes: Promise<Outcome>[] = [];
      for (const r of waiting) {
        const first = this.firstHalf(pt, r.con);
        outcomes.push(this.follow(pt, first, r.rn).outcome);
        await first;
      }
      return { count: waiting.length, outcomes };
    });
    const again = (delayMs: number) => {
      if (this.closed) return;
      const timer = setTimeout(() => {
        this.resweeps.delete(timer);
        void this.sweep(pt);
      }, delayMs);
      this.resweeps.add(timer);
    };
    return found.then(
      ({ count, outcomes }) => {
        if (count >= INBOX_PAGE) void Promise.allSettled(outcomes).then(() => again(0));
        return count;
      },
      (err: unknown) => {
        d.log.error({ err, pt }, 'inbox not swept; trying again later');
        again(d.retryMaxMs ?? 30_000);
        return 0;
      },
    );
  }

  /**
   * At shutdown: starts no more publishing, then waits for what is under
   * way. Readings not yet published stay in their inboxes for the next
   * start's sweep.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.governor?.close();
    for (const t of this.resweeps) clearTimeout(t);
    this.publishing.close();
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Runs `step` after the patient's earlier first halves (and sweeps). */
  private chain<T>(pt: string, step: () => Promise<T>): Promise<T> {
    const previous = this.assessing.get(pt) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(step);
    this.assessing.set(pt, next);
    const forget = () => {
      if (this.assessing.get(pt) === next) this.assessing.delete(pt);
    };
    next.then(forget, forget);
    return next;
  }

  /**
   * Ties a first half to its inbox removal, to close()'s wait, and to the
   * moment its delivery may be answered: once assessed and queued if it is
   * in an inbox and the queue is not full, otherwise once it is done.
   */
  private follow(pt: string, first: Promise<FirstHalf>, inboxRn?: string): Received {
    const d = this.deps;
    const outcome = first
      .then((f) => f.outcome)
      .then(async (o) => {
        if (inboxRn) await removeFromInbox(d.cse, d.cseRn, pt, inboxRn, d.log);
        return o;
      });
    this.pending.add(outcome);
    const settled = () => this.pending.delete(outcome);
    outcome.then(settled, settled);
    const acknowledged = first.then(async (f) => {
      if (!(f.queued && inboxRn && this.underway.size <= this.maxQueued)) await outcome;
    });
    // Callers that only want the outcome (tests, the sweep) leave this unread.
    acknowledged.catch(() => undefined);
    return { acknowledged, outcome };
  }

  /** Open, verify, map and assess; tell the alert lifecycle; queue the rest. */
  private async firstHalf(pt: string, con: unknown): Promise<FirstHalf> {
    const d = this.deps;
    const opened = await openInboxReading(con, { pt, appKey: d.appKey, gateways: d.gateways });
    if (!opened.ok)
      return {
        outcome: this.reject(pt, opened.reason, opened.detail, opened.dev),
        queued: false,
      };
    const { batch, dev, seq } = opened;
    const src = `${dev}:${seq}`;
    const already = this.underway.get(src);
    if (already) return { outcome: already, queued: true };
    const settings = await d.settingsOf(pt);
    let assessment: Assessment;
    try {
      assessment = d.assessor.assess(pt, batch, settings);
    } catch (err) {
      return { outcome: this.unprocessable(err, pt, dev, seq), queued: false };
    }
    await d.observe?.(pt, assessment.findings, assessment.assessed);
    const reading: Assessed = { pt, dev, seq, src, batch, assessment };
    const urgent = criticalityRank(assessment.cl) >= criticalityRank(ALERT_FROM);
    const outcome = this.publishing.run(pt, urgent, () => this.secondHalf(reading));
    this.underway.set(src, outcome);
    const done = () => this.underway.delete(src);
    outcome.then(done, done);
    return { outcome, queued: true };
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
    // Failures from here on (CSE, database) are transient: the queue tries again after a pause.
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
