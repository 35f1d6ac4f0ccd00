import type { AppDb } from '../store/db.js';
import {
  toAlert,
  type Alert,
  type AlertEvent,
  type AlertEventKind,
  type AlertRow,
  type Delivery,
} from './model.js';

/**
 * The alert tables' queries, the same on SQLite and PostgreSQL. Every
 * function takes the database or a transaction (the engine groups a
 * transition's writes: alert row, event, deliveries).
 */
export const alertStore = {
  async insert(db: AppDb, row: AlertRow): Promise<void> {
    await db.insertInto('alerts').values(row).execute();
  },

  async get(db: AppDb, id: string): Promise<(Alert & { sealed: AlertRow }) | undefined> {
    const r = await db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { ...toAlert(r), sealed: r };
  },

  /** The patient's alerts that are not resolved (at most one per rule). */
  async open(db: AppDb, pt: string): Promise<Alert[]> {
    const rows = await db
      .selectFrom('alerts')
      .selectAll()
      .where('pt', '=', pt)
      .where('state', '<>', 'resolved')
      .execute();
    return rows.map(toAlert);
  },

  async update(db: AppDb, id: string, set: Partial<AlertRow>): Promise<void> {
    await db.updateTable('alerts').set(set).where('id', '=', id).execute();
  },

  /**
   * Updates the alert only if it is still in the state and step it was read
   * in (optimistic concurrency: another worker's acknowledgement or sweep
   * in between wins); returns whether it did.
   */
  async updateIf(
    db: AppDb,
    id: string,
    was: { state: string; step: number },
    set: Partial<AlertRow>,
  ): Promise<boolean> {
    const r = await db
      .updateTable('alerts')
      .set(set)
      .where('id', '=', id)
      .where('state', '=', was.state)
      .where('step', '=', was.step)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  },

  /** Appends one event; returns it with its sequence number (the live-delivery cursor). */
  async event(
    db: AppDb,
    e: { alertId: string; pt: string; kind: AlertEventKind; actor: string; at: number },
  ): Promise<AlertEvent> {
    const { seq } = await db
      .insertInto('alert_events')
      .values({ alert_id: e.alertId, pt: e.pt, kind: e.kind, actor: e.actor, at: e.at })
      .returning('seq')
      .executeTakeFirstOrThrow();
    return { seq: Number(seq), ...e };
  },

  /** Adds recipients (one already alerted for this alert keeps their row); returns the new ones. */
  async addDeliveries(
    db: AppDb,
    alertId: string,
    step: number,
    at: number,
    recipients: Array<{ user: string; role: string }>,
  ): Promise<string[]> {
    const have = new Set(
      (
        await db
          .selectFrom('alert_deliveries')
          .select('recipient')
          .where('alert_id', '=', alertId)
          .execute()
      ).map((r) => r.recipient),
    );
    const added: string[] = [];
    for (const r of recipients) {
      if (have.has(r.user)) continue;
      have.add(r.user);
      added.push(r.user);
      await db
        .insertInto('alert_deliveries')
        .values({
          alert_id: alertId,
          recipient: r.user,
          role: r.role,
          channel: 'in-app',
          status: 'queued',
          attempts: 0,
          last_error: null,
          step,
          at,
        })
        .execute();
    }
    return added;
  },

  async deliveries(db: AppDb, alertId: string): Promise<Delivery[]> {
    const rows = await db
      .selectFrom('alert_deliveries')
      .selectAll()
      .where('alert_id', '=', alertId)
      .orderBy('step')
      .orderBy('recipient')
      .execute();
    return rows.map((r) => ({
      recipient: r.recipient,
      role: r.role,
      channel: r.channel,
      status: r.status as Delivery['status'],
      attempts: r.attempts,
      lastError: r.last_error,
      step: r.step,
      at: r.at,
    }));
  },

  /** Moves one recipient's in-app delivery forward (queued → delivered → seen, never back). */
  async markDelivery(
    db: AppDb,
    alertId: string,
    recipient: string,
    status: 'delivered' | 'seen' | 'failed',
    at: number,
    error?: string,
  ): Promise<void> {
    const from = status === 'seen' ? ['queued', 'delivered', 'failed'] : ['queued', 'failed'];
    await db
      .updateTable('alert_deliveries')
      .set((eb) => ({
        status,
        at,
        attempts: eb('attempts', '+', 1),
        last_error: status === 'failed' ? (error ?? 'failed') : null,
      }))
      .where('alert_id', '=', alertId)
      .where('recipient', '=', recipient)
      .where('channel', '=', 'in-app')
      .where('status', 'in', from)
      .execute();
  },

  /** Alerts whose next escalation is due (not acknowledged, not recovering, not resolved). */
  async due(db: AppDb, now: number): Promise<Alert[]> {
    const rows = await db
      .selectFrom('alerts')
      .selectAll()
      .where('state', 'in', ['raised', 'escalated'])
      .where('recovering', '=', 0)
      .where('next_escalation_at', 'is not', null)
      .where('next_escalation_at', '<=', now)
      .execute();
    return rows.map(toAlert);
  },

  async hasOpen(db: AppDb, pt: string, cl: string): Promise<boolean> {
    const r = await db
      .selectFrom('alerts')
      .select('id')
      .where('pt', '=', pt)
      .where('cl', '=', cl)
      .where('state', '<>', 'resolved')
      .executeTakeFirst();
    return r !== undefined;
  },

  /** The alerts of these patients, newest first (the route orders them for display). */
  async ofPatients(db: AppDb, pts: string[], limit: number): Promise<AlertRow[]> {
    if (pts.length === 0) return [];
    return db
      .selectFrom('alerts')
      .selectAll()
      .where('pt', 'in', pts)
      .orderBy('raised_at', 'desc')
      .limit(limit)
      .execute();
  },

  /** Events of these patients after `seq`, in order (the replay of a reconnecting client). */
  async eventsAfter(db: AppDb, pts: string[], seq: number, limit: number): Promise<AlertEvent[]> {
    if (pts.length === 0) return [];
    const rows = await db
      .selectFrom('alert_events')
      .selectAll()
      .where('pt', 'in', pts)
      .where('seq', '>', seq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      alertId: r.alert_id,
      pt: r.pt,
      kind: r.kind as AlertEventKind,
      actor: r.actor,
      at: r.at,
    }));
  },

  async lastSeq(db: AppDb): Promise<number> {
    const r = await db
      .selectFrom('alert_events')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .executeTakeFirst();
    return Number(r?.seq ?? 0);
  },
};
