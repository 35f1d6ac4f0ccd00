import type { Logger } from '../../core/log.js';
import { criticalityRank, type Criticality } from '../../protocol/levels.js';
import type { Mailer } from '../outbound/mail.js';
import { postWebhook, WebhookError, type WebhookEndpoint } from '../outbound/webhook.js';
import type { AlertTables } from '../store/alert-tables.js';
import type { AppDb } from '../store/db.js';
import type { Alert, AlertEvent, AlertEventKind } from './model.js';
import { alertMail, webhookEvent } from './outbound-messages.js';
import { alertStore as store } from './store.js';

/** A webhook endpoint ready to sign: its secret read, its lowest criticality. */
export interface SigningEndpoint extends WebhookEndpoint {
  secret: Buffer;
  minCriticality: Exclude<Criticality, 'low'>;
}

export interface AlertOutboundOptions {
  db: AppDb;
  log: Logger;
  /** Absent: no SMTP server configured, no e-mail. */
  mailer?: Pick<Mailer, 'send'> | undefined;
  webhooks: SigningEndpoint[];
  /** A person's own address for alert e-mails (PUT /app/me/contact), if they gave one. */
  email: (user: string) => Promise<string | undefined>;
  platformUrl: () => string | undefined;
  now?: () => number;
}

/** Tries per delivery; the wait before try n+1 is RETRY_BASE_MS × 2^(n−1), at most RETRY_MAX_MS. */
const MAX_ATTEMPTS = 6;
const RETRY_BASE_MS = 30_000;
const RETRY_MAX_MS = 15 * 60_000;
const WEBHOOK = 'webhook';
const EMAIL = 'email';

/**
 * E-mail and signed webhooks for alerts (issue 5 item 4), beside live
 * in-app delivery: each is a row of alert_deliveries (channel `email` or
 * `webhook`), so the care team sees its status with the others.
 * - Webhooks: every event of an alert whose CL reaches the endpoint's
 *   `minCriticality`; one row per (alert, endpoint) carrying the latest
 *   event (a newer event replaces one not yet delivered: the body holds the
 *   alert as it stands).
 * - E-mail: when people are alerted (step 0 at `routed`, each escalation),
 *   to those of them who gave an address; once per person and alert.
 * Sent at once; a failure worth retrying is tried again with backoff by
 * `sweep`, which also sends what a restart left queued. Nothing waits
 * behind these: live delivery does not depend on them.
 */
export class AlertOutbound {
  private chain: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(private readonly o: AlertOutboundOptions) {
    this.now = o.now ?? Date.now;
  }

  /** An event just became durable (AlertEngine's onEvent). */
  publish(e: AlertEvent, a: Alert): void {
    this.chain = this.chain
      .then(() => this.queueAndSend(e, a))
      .catch((err: unknown) => this.o.log.error({ err, alert: a.id }, 'alert not sent out'));
  }

  /** Waits for sends under way (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  /** Sends what is due: queued ones (after a restart) and failures whose wait is over. */
  sweep(): Promise<void> {
    this.chain = this.chain
      .then(async () => {
        const rows = await this.o.db
          .selectFrom('alert_deliveries')
          .selectAll()
          .where('channel', 'in', [WEBHOOK, EMAIL])
          .where('status', 'in', ['queued', 'failed'])
          .where('attempts', '<', MAX_ATTEMPTS)
          .execute();
        for (const r of rows)
          if (this.now() >= Number(r.at) + backoff(r.attempts)) await this.send(r);
      })
      .catch((err: unknown) => this.o.log.error({ err }, 'alert deliveries not swept'));
    return this.chain;
  }

  private async queueAndSend(e: AlertEvent, a: Alert): Promise<void> {
    const at = this.now();
    const rows: Row[] = [];
    for (const w of this.o.webhooks) {
      if (criticalityRank(a.cl) < criticalityRank(w.minCriticality)) continue;
      const row = outboundRow(a, `${WEBHOOK}:${w.name}`, 'system', WEBHOOK, e.seq, at);
      await this.o.db
        .insertInto('alert_deliveries')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['alert_id', 'recipient', 'channel']).doUpdateSet({
            status: 'queued',
            attempts: 0,
            last_error: null,
            step: a.step,
            at,
            event_seq: e.seq,
          }),
        )
        .execute();
      rows.push(row);
    }
    if (this.o.mailer && (e.kind === 'routed' || e.kind === 'escalated')) {
      const alerted = (await store.deliveries(this.o.db, a.id)).filter(
        (d) => d.channel === 'in-app' && d.step === a.step,
      );
      for (const d of alerted) {
        if (!(await this.o.email(d.recipient))) continue;
        const row = outboundRow(a, d.recipient, d.role, EMAIL, e.seq, at);
        const added = await this.o.db
          .insertInto('alert_deliveries')
          .values(row)
          .onConflict((oc) => oc.columns(['alert_id', 'recipient', 'channel']).doNothing())
          .returning('recipient')
          .executeTakeFirst();
        if (added) rows.push(row);
      }
    }
    for (const r of rows) await this.send(r);
  }

  /** One try of one delivery; its row says how it went. */
  private async send(r: Row): Promise<void> {
    const alert = await store.get(this.o.db, r.alert_id);
    const seq = r.event_seq === null ? undefined : Number(r.event_seq);
    const event = seq === undefined ? undefined : await this.event(seq);
    const outcome: Outcome =
      alert && event
        ? await this.attempt(r, alert, event)
        : { ok: false, error: 'the alert or its event is gone', retry: false };
    await this.o.db
      .updateTable('alert_deliveries')
      .set((eb) => ({
        status: outcome.ok ? 'delivered' : 'failed',
        // A failure not worth retrying uses up the tries: the row stays failed, with its reason.
        attempts: outcome.ok || outcome.retry ? eb('attempts', '+', 1) : MAX_ATTEMPTS,
        last_error: outcome.ok ? null : outcome.error.slice(0, 500),
        at: this.now(),
      }))
      .where('alert_id', '=', r.alert_id)
      .where('recipient', '=', r.recipient)
      .where('channel', '=', r.channel)
      // A newer event queued meanwhile keeps its own row state.
      .where('event_seq', '=', r.event_seq)
      .execute();
    if (!outcome.ok)
      this.o.log.warn(
        { alert: r.alert_id, channel: r.channel, retry: outcome.retry },
        'alert delivery failed',
      );
  }

  /** Hands one delivery to its channel; says whether a failure is worth another try. */
  private async attempt(
    r: Row,
    alert: Alert,
    event: Pick<AlertEvent, 'seq' | 'kind' | 'actor' | 'at'>,
  ): Promise<Outcome> {
    const refused = (error: string): Outcome => ({ ok: false, error, retry: false });
    try {
      if (r.channel === WEBHOOK) {
        const w = this.o.webhooks.find((x) => `${WEBHOOK}:${x.name}` === r.recipient);
        if (!w) return refused(`no webhook ${r.recipient} is configured any more`);
        await postWebhook(w, w.secret, webhookEvent(alert, event));
      } else {
        if (!this.o.mailer) return refused('no SMTP server is configured any more');
        const to = await this.o.email(r.recipient);
        if (!to) return refused(`${r.recipient} no longer has an address`);
        const kind = event.kind === 'escalated' ? 'escalated' : 'routed';
        await this.o.mailer.send({ to, ...alertMail(alert, kind, this.o.platformUrl()) });
      }
      return { ok: true };
    } catch (err) {
      return {
        ok: false,
        error: (err as Error).message,
        retry: err instanceof WebhookError ? err.retry : isTransientMailError(err),
      };
    }
  }

  private async event(
    seq: number,
  ): Promise<Pick<AlertEvent, 'seq' | 'kind' | 'actor' | 'at'> | undefined> {
    const row = await this.o.db
      .selectFrom('alert_events')
      .select(['seq', 'kind', 'actor', 'at'])
      .where('seq', '=', seq)
      .executeTakeFirst();
    return (
      row && {
        seq: Number(row.seq),
        kind: row.kind as AlertEventKind,
        actor: row.actor,
        at: Number(row.at),
      }
    );
  }
}

type Row = AlertTables['alert_deliveries'];
type Outcome = { ok: true } | { ok: false; error: string; retry: boolean };

function outboundRow(
  a: Alert,
  recipient: string,
  role: string,
  channel: string,
  seq: number,
  at: number,
): Row {
  return {
    alert_id: a.id,
    recipient,
    role,
    channel,
    status: 'queued',
    attempts: 0,
    last_error: null,
    step: a.step,
    at,
    event_seq: seq,
  };
}

function backoff(attempts: number): number {
  return attempts === 0 ? 0 : Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_MAX_MS);
}

/** SMTP 4xx replies and connection failures are worth another try (RFC 5321 §4.2.1); 5xx are not. */
function isTransientMailError(err: unknown): boolean {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' ? code < 500 : true;
}
