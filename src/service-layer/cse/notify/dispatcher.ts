import type { Logger } from '../../../core/log.js';
import { keptOnceDelivered, outbox, type OutboxRow } from './outbox.js';
import type { CseDb } from '../store/resource-store.js';
import type { WriteQueue } from '../procedures/write-queue.js';

/** Delivers one notification body to a target; 'parked' means the target is offline (an unconnected AE). */
export type Transport = (
  target: string,
  rqi: string,
  body: string,
  seq: number,
) => Promise<'delivered' | 'parked'>;

export interface DispatcherOptions {
  concurrency: number;
  perTarget: number;
  retryBaseMs: number;
  retryMaxMs: number;
  giveUpAfterMs: number;
  retainDeliveredMs: number;
  scanMs: number;
  now: () => number;
  log: Logger;
  /**
   * The CSE's group commit: delivered-marking joins the next transaction of
   * the writes, whose pages (the outbox's newest rows) it mostly shares,
   * instead of paying a commit of its own.
   */
  writes: Pick<WriteQueue, 'run'>;
}

/** How many due notifications one scan of the outbox looks at. */
const SCAN_LIMIT = 5000;

/** A FIFO that takes from the front in O(1) (Array#shift is O(n)). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  take(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** A target's waiting notifications: immediate ones apart, so they are found without a search. */
interface TargetQueue {
  immediate: Fifo<OutboxRow>;
  normal: Fifo<OutboxRow>;
  inflight: number;
}

/**
 * Delivers outbox notifications: immediate ones (nec = immediate) before any
 * other, bounded concurrency overall and per target, retries with
 * exponential backoff and jitter, batching for subscriptions with batchNotify,
 * and a periodic scan of the outbox so nothing pending is forgotten (after a
 * restart, a failed attempt, or an AE that was offline).
 */
export class Dispatcher {
  /** Outbox rows (by seq) queued, in flight or just settled: never enqueued twice. */
  private readonly known = new Set<number>();
  private readonly queues = new Map<string, TargetQueue>();
  private readonly batches = new Map<string, { rows: OutboxRow[]; timer?: NodeJS.Timeout }>();
  /** Delivered, to be marked so (kept) or removed (not kept: keptOnceDelivered). */
  private delivered = { kept: [] as number[], dropped: [] as number[], count: 0 };
  private inflight = 0;
  private pumpScheduled = false;
  private flushing: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(
    private readonly db: CseDb,
    private readonly transport: Transport,
    private readonly opts: DispatcherOptions,
  ) {}

  start(): void {
    this.timers.push(setInterval(() => void this.scan(), this.opts.scanMs).unref());
    this.timers.push(setInterval(() => void this.purge(), 60_000).unref());
    void this.scan();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    for (const b of this.batches.values()) clearTimeout(b.timer);
    clearTimeout(this.flushTimer);
    await this.flushDelivered();
  }

  /** Hands freshly committed outbox rows over for delivery. */
  enqueue(rows: OutboxRow[]): void {
    for (const r of rows) {
      if (this.known.has(r.seq)) continue;
      this.known.add(r.seq);
      if (r.batch) this.addToBatch(r);
      else {
        const q = this.queueFor(r.target);
        (r.immediate === 1 ? q.immediate : q.normal).push(r);
      }
    }
    this.schedulePump();
  }

  /** A target came online (an AE connected): send everything it missed. */
  async targetAvailable(target: string): Promise<void> {
    this.enqueue(await outbox.pendingFor(this.db, target));
  }

  private queueFor(target: string): TargetQueue {
    let q = this.queues.get(target);
    if (!q)
      this.queues.set(target, (q = { immediate: new Fifo(), normal: new Fifo(), inflight: 0 }));
    return q;
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Two passes: immediate notifications of every target first, then the rest. */
  private pump(): void {
    for (const pass of ['immediate', 'normal'] as const) {
      for (const [target, q] of this.queues) {
        while (q.inflight < this.opts.perTarget && this.inflight < this.opts.concurrency) {
          const row = q[pass].take();
          if (!row) break;
          this.deliver(target, q, [row], row.payload);
        }
        if (q.immediate.size + q.normal.size === 0 && q.inflight === 0) this.queues.delete(target);
      }
    }
  }

  private addToBatch(r: OutboxRow): void {
    const key = `${r.batch}|${r.target}`;
    let b = this.batches.get(key);
    if (!b) this.batches.set(key, (b = { rows: [] }));
    b.rows.push(r);
    if (r.batch_num !== null && b.rows.length >= r.batch_num) this.flushBatch(key);
    else if (!b.timer && r.batch_ms !== null) {
      const wait = Math.max(0, r.created_at + r.batch_ms - this.opts.now());
      b.timer = setTimeout(() => this.flushBatch(key), wait);
    }
  }

  /** Sends a batch as one aggregated notification (TS-0004 §7.5.1.2.? m2m:aggregatedNotification). */
  private flushBatch(key: string): void {
    const b = this.batches.get(key);
    if (!b) return;
    this.batches.delete(key);
    clearTimeout(b.timer);
    const target = b.rows[0]!.target;
    const sgns = b.rows.map((r) => (JSON.parse(r.payload) as { 'm2m:sgn': unknown })['m2m:sgn']);
    const q = this.queueFor(target);
    this.deliver(target, q, b.rows, JSON.stringify({ 'm2m:agn': { 'm2m:sgn': sgns } }));
  }

  private deliver(target: string, q: TargetQueue, rows: OutboxRow[], body: string): void {
    this.inflight++;
    q.inflight++;
    const first = rows[0]!;
    // One continuation per notification; the common case (delivered) settles synchronously.
    this.transport(target, first.id, body, first.seq).then(
      (result) => {
        if (result === 'delivered') {
          try {
            this.succeeded(rows);
          } finally {
            this.settled(q);
          }
        } else this.afterwards(q, this.parked(rows));
      },
      (err: unknown) => this.afterwards(q, this.failed(rows, err)),
    );
  }

  private afterwards(q: TargetQueue, bookkeeping: Promise<void>): void {
    bookkeeping
      .catch((err: unknown) => this.opts.log.error({ err }, 'notification bookkeeping failed'))
      .finally(() => this.settled(q));
  }

  private settled(q: TargetQueue): void {
    this.inflight--;
    q.inflight--;
    this.schedulePump();
  }

  private succeeded(rows: OutboxRow[]): void {
    const d = this.delivered;
    for (const r of rows) (keptOnceDelivered(r.target) ? d.kept : d.dropped).push(r.seq);
    d.count += rows.length;
    if (d.count >= 256) void this.flushDelivered();
    else this.flushTimer ??= setTimeout(() => void this.flushDelivered(), 5).unref();
  }

  /**
   * Lets the periodic scan pick these ids up again, but only after any scan
   * that read them before their new state was written has finished:
   * otherwise a delivered notification could be sent twice.
   */
  private forget(seqs: number[]): void {
    setTimeout(() => seqs.forEach((seq) => this.known.delete(seq)), 2 * this.opts.scanMs).unref();
  }

  /**
   * Marks delivered in batches, or removes the rows nobody will read again;
   * ids leave `known` only once the outbox says so.
   */
  private async flushDelivered(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    while (this.flushing) await this.flushing;
    if (this.delivered.count === 0) return;
    const { kept, dropped } = this.delivered;
    this.delivered = { kept: [], dropped: [], count: 0 };
    const ids = [...kept, ...dropped];
    const at = this.opts.now();
    this.flushing = this.opts.writes
      .run({
        work: async (tx) => {
          if (kept.length > 0) await outbox.markDelivered(tx, kept, at);
          if (dropped.length > 0) await outbox.dropDelivered(tx, dropped);
        },
        persist: async () => undefined,
      })
      .then(() => this.forget(ids))
      .catch((err: unknown) => {
        this.opts.log.error(
          { err },
          'could not mark notifications delivered; they will be sent again',
        );
        this.forget(ids);
      })
      .finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  /** The target is offline: keep the rows pending until it connects (targetAvailable) or the next long retry. */
  private async parked(rows: OutboxRow[]): Promise<void> {
    for (const r of rows) {
      await outbox.reschedule(this.db, r.seq, r.attempts, this.opts.now() + this.opts.retryMaxMs);
      // At once: the AE may reconnect any moment, and a parked row picked up twice only parks again.
      this.known.delete(r.seq);
    }
  }

  private async failed(rows: OutboxRow[], err: unknown): Promise<void> {
    const now = this.opts.now();
    for (const r of rows) {
      const attempts = r.attempts + 1;
      if (now - r.created_at > this.opts.giveUpAfterMs) {
        await outbox.markFailed(this.db, r.seq, attempts);
        this.opts.log.warn({ sub: r.sub_ri, target: r.target, attempts }, 'notification given up');
      } else {
        const backoff = Math.min(
          this.opts.retryMaxMs,
          this.opts.retryBaseMs * 2 ** Math.min(attempts - 1, 20),
        );
        await outbox.reschedule(
          this.db,
          r.seq,
          attempts,
          now + Math.round(backoff * (0.5 + Math.random() / 2)),
        );
      }
    }
    this.forget(rows.map((r) => r.seq));
    this.opts.log.debug(
      { target: rows[0]!.target, err: (err as Error).message },
      'notification attempt failed',
    );
  }

  private async scan(): Promise<void> {
    if (this.closed) return;
    try {
      // Most pending notifications are already in hand (sent, not yet marked): only the others are read.
      const due = await outbox.dueSeqs(this.db, this.opts.now(), SCAN_LIMIT);
      const missed = due.filter((seq) => !this.known.has(seq)).slice(0, 500);
      if (missed.length > 0) this.enqueue(await outbox.pendingBySeq(this.db, missed));
    } catch (err) {
      this.opts.log.error({ err }, 'outbox scan failed');
    }
  }

  private async purge(): Promise<void> {
    const now = this.opts.now();
    try {
      await outbox.purge(
        this.db,
        now - this.opts.retainDeliveredMs,
        now - this.opts.giveUpAfterMs - this.opts.retainDeliveredMs,
      );
    } catch (err) {
      this.opts.log.error({ err }, 'outbox purge failed');
    }
  }
}
