import { statement } from '../../../core/db/prepared.js';
import type { CseDb } from '../store/resource-store.js';

const savepoint = statement('savepoint w');
const release = statement('release savepoint w');
const rollbackTo = statement('rollback to savepoint w');

/**
 * A unit of write work and the notifications it collects (see changes.ts).
 * `work` may run more than once (its batch is redone when another write of
 * it failed): each run must start afresh.
 */
export interface WriteUnit<T> {
  work(tx: CseDb): Promise<T>;
  /** Writes the unit's outbox rows, inside its savepoint. */
  persist(tx: CseDb): Promise<void>;
}

interface Item {
  unit: WriteUnit<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  done?: { value: unknown } | { error: unknown } | undefined;
}

/**
 * Group commit. Writes that arrive while a transaction is running wait and
 * then commit together in the next one; a failing write rolls back only
 * itself (see attempt), and nobody is answered before the commit that holds
 * their write. Under load this turns one commit (one WAL
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
    // A write failed and took the batch with it: redo the batch with one
    // savepoint per write, so that only the failing one is rolled back.
    if ((await this.attempt(batch, false)) && batch.length > 1) await this.attempt(batch, true);
    for (const item of batch) {
      if (item.done && 'value' in item.done) item.resolve(item.done.value);
      else item.reject(item.done?.error);
    }
  }

  /**
   * Runs the batch in one transaction and records each write's outcome.
   * Without `isolate` the first failing write aborts the whole transaction
   * and true is returned: savepoints cost two statements per write, and
   * writes rarely fail. With it, each write runs in its own savepoint and a
   * failure rolls back only itself.
   */
  private async attempt(batch: Item[], isolate: boolean): Promise<boolean> {
    let writeFailed = false;
    try {
      await this.db.transaction().execute(async (tx) => {
        for (const item of batch) {
          item.done = undefined;
          if (isolate) await savepoint(tx);
          try {
            const value = await item.unit.work(tx);
            await item.unit.persist(tx);
            if (isolate) await release(tx);
            item.done = { value };
          } catch (error) {
            item.done = { error };
            if (!isolate) {
              writeFailed = true;
              throw error;
            }
            await rollbackTo(tx);
            await release(tx);
          }
        }
      });
    } catch (commitError) {
      if (writeFailed) return true;
      // The transaction itself failed: nothing in it was written.
      for (const item of batch)
        if (!(item.done && 'error' in item.done)) item.done = { error: commitError };
    }
    return false;
  }
}
