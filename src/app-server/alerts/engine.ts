import { Rsc, TutelaError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { criticalityRank } from '../../protocol/levels.js';
import type { AuditLog } from '../audit/audit.js';
import type { Finding } from '../clinical/finding.js';
import { PatientLocks } from '../episodes/index.js';
import type { Keyring } from '../keyring/keyring.js';
import type { AppDb } from '../store/db.js';
import type { AlertingCl, EscalationConfig } from './escalation.js';
import type { Alert, AlertEvent, AlertEventKind } from './model.js';
import { recipientsOf, type EpisodeMember } from './routing.js';
import { raiseAlert } from './raise.js';
import { openText, sealText } from './seal.js';
import { alertStore as store } from './store.js';

export interface AlertEngineOptions {
  db: AppDb;
  keyring: Pick<Keyring, 'dataKey' | 'dataKeyAt'>;
  audit: AuditLog;
  log: Logger;
  config: EscalationConfig;
  /** The patient's current care-episode participants (recipients are picked among them by role). */
  members: (pt: string) => Promise<EpisodeMember[]>;
  now?: () => number;
  /** Told of every event once it is durable (live delivery, alerts/live.ts). */
  onEvent?: (e: AlertEvent, alert: Alert) => void;
  /** A high alert opened or closed for `pt` (the responder's R access follows: item 7). */
  onHighChange?: (pt: string) => Promise<void>;
}

const conflict = (code: string, msg: string) => new TutelaError(code, Rsc.CONFLICT, msg);
const MINUTE = 60_000;

/**
 * The alert lifecycle (issue 5 item 2; docs/alerts.md): findings raise,
 * update, supersede and (by hysteresis) calm alerts; clinicians acknowledge,
 * escalate and resolve them; a sweeper escalates the unacknowledged ones on
 * time. Every transition is one transaction (alert row, event, deliveries),
 * then audited and handed to live delivery. Work on one patient runs one at
 * a time (in-process lock; the unique index on open (pt, rule) holds across
 * workers).
 */
export class AlertEngine {
  private readonly now: () => number;
  private readonly locks = new PatientLocks();

  constructor(private readonly o: AlertEngineOptions) {
    this.now = o.now ?? Date.now;
  }

  /**
   * The findings of one published reading of `pt`. `assessed` names the
   * rules that were evaluated at this reading (default: every rule with an
   * open alert): only their absence counts towards recovery.
   */
  observe(pt: string, findings: readonly Finding[], assessed?: readonly string[]): Promise<void> {
    return this.locks.run(pt, async () => {
      const open = await store.open(this.o.db, pt);
      const worst = new Map<string, Finding>();
      for (const f of findings)
        if (f.cl !== 'low') {
          const w = worst.get(f.rule);
          if (!w || criticalityRank(f.cl) > criticalityRank(w.cl)) worst.set(f.rule, f);
        }
      for (const [rule, f] of worst) {
        const cur = open.find((a) => a.rule === rule);
        if (!cur) await this.raise(pt, f);
        else if (criticalityRank(f.cl) > criticalityRank(cur.cl)) await this.raise(pt, f, cur);
        else await this.seen(cur, f);
      }
      for (const a of open)
        if (!worst.has(a.rule) && (!assessed || assessed.includes(a.rule))) await this.absent(a);
    });
  }

  /** Whether a high-CL alert is open for `pt` (a responder may then read R: item 7). */
  hasOpenHigh(pt: string): Promise<boolean> {
    return store.hasOpen(this.o.db, pt, 'high');
  }

  async get(id: string): Promise<Alert | undefined> {
    const a = await store.get(this.o.db, id);
    if (!a) return undefined;
    const { sealed: _s, ...alert } = a;
    return alert;
  }

  /** The finding's sentence (null once the patient is erased): only for views that may show it. */
  async text(id: string): Promise<string | null> {
    const a = await store.get(this.o.db, id);
    if (!a) return null;
    return openText(this.o.keyring, this.o.log, {
      pt: a.pt,
      alert: a.id,
      sealed: a.sealed.text_sealed,
      epoch: a.sealed.text_epoch,
    });
  }

  acknowledge(id: string, by: string): Promise<Alert> {
    return this.act(id, async (a, now) => {
      if (a.state === 'acknowledged')
        throw conflict('already_acknowledged', `alert ${id} is already acknowledged`);
      await this.transition(a, 'acknowledged', by, {
        state: 'acknowledged',
        acknowledged_at: now,
        acknowledged_by: by,
        next_escalation_at: null,
      });
    });
  }

  /** A clinician asks for the next step now (also done by the sweeper when nobody acknowledges). */
  escalate(id: string, by: string): Promise<Alert> {
    return this.act(id, async (a) => {
      if (a.step + 1 >= this.chain(a.cl).steps.length)
        throw conflict('no_further_step', `alert ${id} has reached the last escalation step`);
      await this.advance(a, by);
    });
  }

  resolve(id: string, by: string): Promise<Alert> {
    return this.act(id, (a) => this.close(a, by, 'resolved', {}));
  }

  /** Escalates every alert whose acknowledgement is overdue, high CL first (timer and at start). */
  async sweep(): Promise<number> {
    const due = (await store.due(this.o.db, this.now())).sort(
      (a, b) => criticalityRank(b.cl) - criticalityRank(a.cl) || a.raisedAt - b.raisedAt,
    );
    let n = 0;
    for (const d of due)
      await this.locks.run(d.pt, async () => {
        const a = await this.get(d.id);
        // Re-read under the lock: acknowledged, resolved or escalated meanwhile is not due.
        if (!a || a.state === 'acknowledged' || a.state === 'resolved' || a.recovering) return;
        if (a.nextEscalationAt === null || a.nextEscalationAt > this.now()) return;
        if (a.step + 1 >= this.chain(a.cl).steps.length) {
          await store.update(this.o.db, a.id, { next_escalation_at: null });
          return;
        }
        try {
          await this.advance(a, 'system:timeout');
          n++;
        } catch (err) {
          // Another worker acknowledged or escalated it first: nothing is due any more.
          if (!(err instanceof TutelaError && err.code === 'alert_changed')) throw err;
        }
      });
    return n;
  }

  private chain(cl: AlertingCl) {
    return this.o.config.chains[cl];
  }

  /** Runs a clinician's action on an open alert under the patient's lock; returns the alert after it. */
  private async act(id: string, work: (a: Alert, now: number) => Promise<void>): Promise<Alert> {
    const first = await this.get(id);
    if (!first) throw new TutelaError('unknown_alert', Rsc.NOT_FOUND, `no alert ${id}`);
    return this.locks.run(first.pt, async () => {
      const a = (await this.get(id))!;
      if (a.state === 'resolved') throw conflict('alert_resolved', `alert ${id} is resolved`);
      await work(a, this.now());
      return (await this.get(id))!;
    });
  }

  /** A new alert for `f`, routed to step 0 (and superseding `old`, whose finding worsened). */
  private async raise(pt: string, f: Finding, old?: Alert): Promise<void> {
    await this.tell(await raiseAlert(this.o, this.now(), pt, f, old));
    if (f.cl === 'high') await this.highChanged(pt);
  }

  /** The finding holds again: last seen now, its text updated; a recovering alert relapses. */
  private async seen(a: Alert, f: Finding): Promise<void> {
    const now = this.now();
    const { sealed, epoch } = await sealText(this.o.keyring, a.pt, a.id, f.text);
    const set = {
      last_seen_at: now,
      text_sealed: sealed,
      text_epoch: epoch,
      absent_count: 0,
      absent_since: null,
    };
    if (!a.recovering) return store.update(this.o.db, a.id, set);
    const steps = this.chain(a.cl).steps;
    const resume =
      a.state !== 'acknowledged' && a.step + 1 < steps.length
        ? now + steps[a.step]!.ackWithinMinutes * MINUTE
        : null;
    await this.transition(a, 'relapsed', 'system', {
      ...set,
      recovering: 0,
      next_escalation_at: resume,
    });
  }

  /** The finding did not hold at this reading: hysteresis (docs/alerts.md). */
  private async absent(a: Alert): Promise<void> {
    const now = this.now();
    const row = (await store.get(this.o.db, a.id))!.sealed;
    const count = row.absent_count + 1;
    const since = row.absent_since ?? now;
    const { readings, minutes } = this.o.config.recovery;
    if (a.recovering || count < readings || now - since < minutes * MINUTE)
      return store.update(this.o.db, a.id, { absent_count: count, absent_since: since });
    await this.transition(a, 'recovering', 'system', {
      absent_count: count,
      absent_since: since,
      recovering: 1,
      next_escalation_at: null,
    });
    if (this.chain(a.cl).autoResolve) await this.close(a, 'system:recovered', 'resolved', {});
  }

  /** The next step of the chain: its recipients join, the timer restarts unless acknowledged. */
  private async advance(a: Alert, by: string): Promise<void> {
    const now = this.now();
    const steps = this.chain(a.cl).steps;
    const step = a.step + 1;
    const recipients = recipientsOf(steps[step]!, await this.o.members(a.pt));
    const timer = a.state !== 'acknowledged' && step + 1 < steps.length;
    await this.transition(
      a,
      'escalated',
      by,
      {
        state: 'escalated',
        step,
        next_escalation_at: timer ? now + steps[step]!.ackWithinMinutes * MINUTE : null,
      },
      (tx) => store.addDeliveries(tx, a.id, step, now, recipients).then(() => undefined),
      `step ${step} to ${recipients.length}`,
    );
  }

  private async close(a: Alert, by: string, kind: 'resolved', extra: object): Promise<void> {
    await this.transition(a, kind, by, {
      state: 'resolved',
      resolved_at: this.now(),
      resolved_by: by,
      next_escalation_at: null,
      ...extra,
    });
    if (a.cl === 'high') await this.highChanged(a.pt);
  }

  /** One transition: the row, its event (and `more`) in one transaction, then audit and live delivery. */
  private async transition(
    a: Alert,
    kind: AlertEventKind,
    by: string,
    set: Parameters<typeof store.update>[2],
    more?: (tx: AppDb) => Promise<void>,
    detail = '',
  ): Promise<void> {
    const at = this.now();
    const e = await this.o.db.transaction().execute(async (tx) => {
      if (!(await store.updateIf(tx, a.id, a, set)))
        throw conflict('alert_changed', `alert ${a.id} changed meanwhile: look again`);
      await more?.(tx);
      return store.event(tx, { alertId: a.id, pt: a.pt, kind, actor: by, at });
    });
    await this.o.audit.record({
      actor: by.startsWith('system') ? 'system' : by,
      action: `alert.${kind}`,
      pt: a.pt,
      outcome: 'ok',
      detail: `${a.id} ${a.cl}${detail ? ` ${detail}` : ''}`,
    });
    await this.tell([e]);
  }

  private async tell(events: AlertEvent[]): Promise<void> {
    if (!this.o.onEvent) return;
    for (const e of events) {
      const alert = await this.get(e.alertId);
      if (alert) this.o.onEvent(e, alert);
    }
  }

  private async highChanged(pt: string): Promise<void> {
    try {
      await this.o.onHighChange?.(pt);
    } catch (err) {
      this.o.log.error({ err, pt }, 'access not refreshed after a high alert changed');
    }
  }
}
