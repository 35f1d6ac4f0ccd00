import type { Alert, AlertEvent } from './model.js';

/**
 * What an alert e-mail says. E-mail is not end-to-end encrypted and ends up
 * in mailboxes and their backups, so it carries no health data: not the
 * finding, not a value, not even the kind of rule; only that an alert of
 * this criticality waits for the recipient in Tutela, for which
 * (pseudonymous) patient, and where to open it.
 */
export function alertMail(
  a: Pick<Alert, 'pt' | 'cl' | 'raisedAt'>,
  kind: 'routed' | 'escalated',
  platformUrl: string | undefined,
): { subject: string; text: string } {
  const cl = a.cl.toUpperCase();
  const where = platformUrl ? `${platformUrl}/web/alerts` : 'the Tutela web app, under Alerts';
  return {
    subject: `Tutela: ${cl} criticality alert for ${a.pt}${kind === 'escalated' ? ' (escalated to you)' : ''}`,
    text: [
      `An alert of ${a.cl} criticality for patient ${a.pt} needs your attention` +
        (kind === 'escalated'
          ? ': nobody acknowledged it in time, so it now comes to you as well.'
          : '.'),
      '',
      `Raised: ${new Date(a.raisedAt).toISOString().replace('T', ' ').slice(0, 16)} UTC`,
      `See what was found and acknowledge it in Tutela: ${where}`,
      '',
      'For the patient’s privacy this message holds no clinical details.',
      '',
    ].join('\n'),
  };
}

/**
 * The body of a webhook event: the alert as it stands and the event, for a
 * system the operator connected (a paging or ward system). The finding's
 * text and values stay out: the receiver fetches what its own access allows.
 */
export function webhookEvent(a: Alert, e: Pick<AlertEvent, 'seq' | 'kind' | 'actor' | 'at'>) {
  return {
    id: `${a.id}.${e.seq}`,
    type: `alert.${e.kind}`,
    data: {
      alert: {
        id: a.id,
        pt: a.pt,
        cl: a.cl,
        rule: a.rule,
        state: a.state,
        step: a.step,
        raisedAt: a.raisedAt,
        acknowledgedAt: a.acknowledgedAt,
        acknowledgedBy: a.acknowledgedBy,
        resolvedAt: a.resolvedAt,
        resolvedBy: a.resolvedBy,
      },
      event: { seq: e.seq, kind: e.kind, actor: e.actor, at: e.at },
    },
  };
}
