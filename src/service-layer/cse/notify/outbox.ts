import { sql, type Selectable } from 'kysely';
import type { CseTables } from '../store/tables.js';
import type { CseDb } from '../store/resource-store.js';
import { preparedRecord } from '../../../core/db/prepared.js';

export type OutboxRow = Selectable<CseTables['notifications']>;
/** A notification about to be written: everything but its sequence number. */
export type NewOutboxRow = Omit<OutboxRow, 'seq'>;

const CHUNK = 500;

/** Only AE targets are looked up by target: the outbox's index on it leaves URLs (this pattern) out. */
const urlPattern = sql.lit('http%');

/**
 * Whether notifications to this target are kept once delivered: those to an
 * AE are, for its replay when it reconnects; those to a notification URL are
 * never read again (the same rule as the index's pattern above).
 */
export const keptOnceDelivered = (target: string): boolean => !target.startsWith('http');

// One notification row per subscriber and event: the hot path, compiled once.
const insertOne = preparedRecord((db: CseDb, row: NewOutboxRow) =>
  db.insertInto('notifications').values(row).returning('seq'),
);

/**
 * The durable notification outbox. A notification is written in the same
 * transaction as the change that caused it, so an acknowledged change never
 * loses its notification; delivered ones to an AE stay for replay until
 * purged, delivered ones to a URL go at once.
 */
export const outbox = {
  async insert(db: CseDb, rows: NewOutboxRow[]): Promise<OutboxRow[]> {
    const out: OutboxRow[] = [];
    for (const r of rows) {
      const [row] = await insertOne(db, r);
      out.push({ ...r, seq: Number(row!.seq) });
    }
    return out;
  },

  /**
   * Sequence numbers of pending notifications due now, immediate ones first,
   * then in creation order: read from the pending index alone, so a scan that
   * finds only notifications already in hand reads no payload.
   */
  async dueSeqs(db: CseDb, now: number, limit: number): Promise<number[]> {
    const rows = await db
      .selectFrom('notifications')
      .select('seq')
      .where('status', '=', 'pending')
      .where('next_at', '<=', now)
      .orderBy('immediate', 'desc')
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => Number(r.seq));
  },

  /** The notifications with these sequence numbers that are still pending, in the order given. */
  async pendingBySeq(db: CseDb, seqs: number[]): Promise<OutboxRow[]> {
    const found = new Map<number, OutboxRow>();
    for (let i = 0; i < seqs.length; i += CHUNK) {
      const rows = await db
        .selectFrom('notifications')
        .selectAll()
        .where('seq', 'in', seqs.slice(i, i + CHUNK))
        .where('status', '=', 'pending')
        .execute();
      for (const r of rows) found.set(Number(r.seq), normalise(r));
    }
    return seqs.flatMap((seq) => found.get(seq) ?? []);
  },

  /** Everything still pending for one target (an AE that just connected), in order. */
  async pendingFor(db: CseDb, target: string): Promise<OutboxRow[]> {
    const rows = await db
      .selectFrom('notifications')
      .selectAll()
      .where('target', '=', target)
      .where('target', 'not like', urlPattern)
      .where('status', '=', 'pending')
      .orderBy('seq')
      .execute();
    return rows.map(normalise);
  },

  /** Every retained notification for a target after `seq`, delivered or not: a reconnecting client's replay. */
  async since(db: CseDb, target: string, seq: number): Promise<OutboxRow[]> {
    const rows = await db
      .selectFrom('notifications')
      .selectAll()
      .where('target', '=', target)
      .where('target', 'not like', urlPattern)
      .where('seq', '>', seq)
      .where('status', '!=', 'failed')
      .orderBy('seq')
      .execute();
    return rows.map(normalise);
  },

  async markDelivered(db: CseDb, seqs: number[], at: number): Promise<void> {
    for (let i = 0; i < seqs.length; i += CHUNK) {
      await db
        .updateTable('notifications')
        .set({ status: 'delivered', delivered_at: at })
        .where('seq', 'in', seqs.slice(i, i + CHUNK))
        .where('status', '=', 'pending')
        .execute();
    }
  },

  /** Delivered notifications that are not kept (see keptOnceDelivered): their rows go. */
  async dropDelivered(db: CseDb, seqs: number[]): Promise<void> {
    for (let i = 0; i < seqs.length; i += CHUNK) {
      await db
        .deleteFrom('notifications')
        .where('seq', 'in', seqs.slice(i, i + CHUNK))
        .where('status', '=', 'pending')
        .execute();
    }
  },

  async reschedule(db: CseDb, seq: number, attempts: number, nextAt: number): Promise<void> {
    await db
      .updateTable('notifications')
      .set({ attempts, next_at: nextAt })
      .where('seq', '=', seq)
      .execute();
  },

  async markFailed(db: CseDb, seq: number, attempts: number): Promise<void> {
    await db
      .updateTable('notifications')
      .set({ status: 'failed', attempts })
      .where('seq', '=', seq)
      .execute();
  },

  /** Drops delivered notifications older than the replay window, and failed ones likewise. */
  async purge(db: CseDb, deliveredBefore: number, failedBefore: number): Promise<void> {
    await db
      .deleteFrom('notifications')
      .where('status', '=', 'delivered')
      .where('delivered_at', '<', deliveredBefore)
      .execute();
    await db
      .deleteFrom('notifications')
      .where('status', '=', 'failed')
      .where('created_at', '<', failedBefore)
      .execute();
  },
};

function normalise(r: OutboxRow): OutboxRow {
  return { ...r, seq: Number(r.seq), next_at: Number(r.next_at), created_at: Number(r.created_at) };
}
