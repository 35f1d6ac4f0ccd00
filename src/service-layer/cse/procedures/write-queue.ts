import { statement } from '../../../core/db/prepared.js';
import type { CseDb } from '../store/resource-store.js';

const savepoint = statement('savepoint w');
const release = statement('release savepoint w');
const rollbackTo = statement('rollback to savepoint w');

/** A unit of write work and the notifications it collects (see changes.ts). */
export interface WriteUnit<T> {
  work(tx: CseDb): Promise<T>;
  /** Writes the unit's outbox rows, inside its savepoint. */
  persist(tx: CseDb): Promise<void>;
}

interface Item {
  unit: WriteUnit<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  done?: { value: unknown } | { error: unknown };
}

/**
 * Group commit. Writes that arrive while a transaction is running wait and
 * then commit together in the next one, each inside its own savepoint: a
 * failing write rolls back only itself, and nobody is answered before the
 * commit that holds their write. Under load this turns one commit (one WAL
 * append, or one fsync on PostgreSQL) per request into one per batch.
 */
export class WriteQueue {
  private queue: Item[] = [];
  private running = false;
  private lastCommit = -Infinity;

  /**
   * @param delayMs how long a transaction waits for company while writes keep
   *   coming (commit delay, as PostgreSQL's commit_delay): a commit costs
   *   about the same for one write as for twenty, so at a steady moderate
   *   rate a short wait makes each write cheaper. An idle queue commits at once.
   */
  constructor(
    private readonly db: CseDb,
    private readonly delayMs = 0,
    private readonly maxBatch = 256,
  ) {}

  run<T>(unit: WriteUnit<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ unit, resolve: resolve as (v: unknown) => void, reject });
      this.kick();
    });
  }

  /**
   * Starts the next transaction on the next macrotask at the earliest:
   * requests that were waiting for the database connection (held by the
   * previous transaction) resume in microtasks and join this batch first.
   * While writes keep coming (the last commit was recent) it waits delayMs.
   */
  private kick(): void {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const start = () => {
      void this.flush().finally(() => {
        this.lastCommit = performance.now();
        this.running = false;
        this.kick();
      });
    };
    const busy = performance.now() - this.lastCommit < 4 * this.delayMs;
    if (busy && this.queue.length < this.maxBatch) setTimeout(start, this.delayMs);
    else setImmediate(start);
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    const alone = batch.length === 1;
    try {
      await this.db.transaction().execute(async (tx) => {
        for (const item of batch) {
          if (!alone) await savepoint(tx);
          try {
            const value = await item.unit.work(tx);
            await item.unit.persist(tx);
            if (!alone) await release(tx);
            item.done = { value };
          } catch (error) {
            item.done = { error };
            if (alone) throw error;
            await rollbackTo(tx);
            await release(tx);
          }
        }
      });
    } catch (commitError) {
      // The transaction itself failed: nothing in it was written.
      for (const item of batch)
        item.reject(item.done && 'error' in item.done ? item.done.error : commitError);
      return;
    }
    for (const item of batch) {
      if (item.done && 'value' in item.done) item.resolve(item.done.value);
      else item.reject(item.done?.error);
    }
  }
}
