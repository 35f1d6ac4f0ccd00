import { randomId } from '../../core/ids.js';
import type { Finding } from '../clinical/finding.js';
import type { Logger } from '../../core/log.js';
import type { AuditLog } from '../audit/audit.js';
import type { Keyring } from '../keyring/keyring.js';
import type { AppDb } from '../store/db.js';
import type { AlertingCl, EscalationConfig } from './escalation.js';
import type { Alert, AlertEvent } from './model.js';
import { recipientsOf, type EpisodeMember } from './routing.js';
import { sealText } from './seal.js';
import { alertStore as store } from './store.js';

const MINUTE = 60_000;

/**
 * Raises a new alert for finding `f` (issue 5 item 2): its text sealed, step
 * 0 of its CL's chain alerted (a step that finds nobody in this episode,
 * e.g. no responder yet, passes to the next at once), the escalation timer
 * set; and, for a worsening, the open alert `old` resolved as superseded by
 * it. One transaction, then the audit entries. Returns the events to tell.
 */
export async function raiseAlert(
  o: {
    db: AppDb;
    keyring: Pick<Keyring, 'dataKey'>;
    audit: AuditLog;
    log: Logger;
    config: EscalationConfig;
    members: (pt: string) => Promise<EpisodeMember[]>;
  },
  now: number,
  pt: string,
  f: Finding,
  old?: Alert,
): Promise<AlertEvent[]> {
  const cl = f.cl as AlertingCl;
  const id = `al-${randomId()}`;
  const { sealed, epoch } = await sealText(o.keyring, pt, id, f.text);
  const members = await o.members(pt);
  const steps = o.config.chains[cl].steps;
  // A step that alerts nobody in this episode (no responder yet) passes to the next one at once.
  let step = 0;
  let recipients = recipientsOf(steps[0]!, members);
  while (recipients.length === 0 && step + 1 < steps.length)
    recipients = recipientsOf(steps[++step]!, members);
  const events: AlertEvent[] = [];
  await o.db.transaction().execute(async (tx) => {
    if (old) {
      await store.update(tx, old.id, {
        state: 'resolved',
        resolved_at: now,
        resolved_by: 'system:superseded',
        superseded_by: id,
        next_escalation_at: null,
      });
      events.push(
        await store.event(tx, {
          alertId: old.id,
          pt,
          kind: 'superseded',
          actor: 'system',
          at: now,
        }),
      );
    }
    await store.insert(tx, {
      id,
      pt,
      rule: f.rule,
      cl,
      state: step > 0 ? 'escalated' : 'raised',
      step,
      next_escalation_at:
        step + 1 < steps.length ? now + steps[step]!.ackWithinMinutes * MINUTE : null,
      text_sealed: sealed,
      text_epoch: epoch,
      raised_at: now,
      last_seen_at: now,
      absent_count: 0,
      absent_since: null,
      recovering: 0,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      resolved_by: null,
      superseded_by: null,
    });
    events.push(
      await store.event(tx, { alertId: id, pt, kind: 'raised', actor: 'system', at: now }),
    );
    await store.addDeliveries(tx, id, step, now, recipients);
    events.push(
      await store.event(tx, { alertId: id, pt, kind: 'routed', actor: 'system', at: now }),
    );
  });
  if (old)
    await o.audit.record({
      actor: 'system',
      action: 'alert.supersede',
      pt,
      outcome: 'ok',
      detail: `${old.id} by ${id}`,
    });
  await o.audit.record({
    actor: 'system',
    action: 'alert.raise',
    pt,
    outcome: 'ok',
    detail: `${id} ${cl} step ${step} to ${recipients.length}`,
  });
  if (recipients.length === 0) o.log.warn({ pt, alert: id, cl }, 'an alert found nobody to alert');
  return events;
}
