import { resourceStore, type CseDb } from '../store/resource-store.js';
import { Ty, type Resource } from '../model/types.js';
import { outbox, type NewOutboxRow, type OutboxRow } from '../notify/outbox.js';
import {
  Net,
  deletionNotice,
  eventRows,
  rowsFor,
  wants,
  type ResourceEvent,
} from '../notify/events.js';
import type { CseContext } from './context.js';
import { toM2MTime } from '../model/time.js';

/**
 * What one write transaction produced for after its commit: outbox rows to
 * deliver. Collected inside the transaction, dispatched only once it commits,
 * so a rolled-back change never notifies anyone.
 */
export class Changes {
  private readonly rows: NewOutboxRow[] = [];
  committed: OutboxRow[] = [];

  constructor(
    private readonly ctx: CseContext,
    readonly now: number,
  ) {}

  /**
   * Notifies the subscriptions on resource `ri` that want this event and
   * counts down their exc. `subscriptions`, when the caller read it inside
   * this transaction, spares the lookup when there are none.
   */
  async event(tx: CseDb, ri: string, event: ResourceEvent, subscriptions?: number): Promise<void> {
    if (subscriptions === 0) return;
    for (const sub of await resourceStore.subscriptionsOf(tx, ri)) {
      if (!wants(sub, event.net)) continue;
      this.rows.push(...eventRows(this.ctx.cseId, sub, event, this.now));
      const exc = sub.attrs.exc;
      if (typeof exc !== 'number') continue;
      // expirationCounter: the subscription ends after this many notifications (TS-0004 §7.5.1.2.1).
      if (exc <= 1) {
        await this.endSubscription(tx, sub);
      } else {
        sub.attrs.exc = exc - 1;
        await resourceStore.save(tx, sub, false);
      }
    }
  }

  /** Ends a subscription: a deletion notice to its targets, and its parent's count kept right. */
  private async endSubscription(tx: CseDb, sub: Resource): Promise<void> {
    this.rows.push(...rowsFor(sub, deletionNotice(this.ctx.cseId, sub), this.now, false));
    if (sub.pi) await resourceStore.countSubscription(tx, sub.pi, -1);
    await resourceStore.remove(tx, sub.ri);
  }

  /**
   * Deletes a resource and its subtree: "delete" notifications to its own
   * subscribers, "delete of child" to its parent's, a deletion notice for every
   * subscription that goes with it, and the container's counters kept right.
   */
  async remove(tx: CseDb, r: Resource): Promise<void> {
    if (r.ty === Ty.SUB) return this.endSubscription(tx, r);
    if (r.ty !== Ty.CIN) {
      await this.event(tx, r.ri, { net: Net.DELETE, resource: r });
      for (const d of await resourceStore.subtree(tx, r.ri, { maxDepth: 64, ty: [Ty.SUB] })) {
        this.rows.push(...rowsFor(d, deletionNotice(this.ctx.cseId, d), this.now, false));
      }
    }
    if (r.pi) {
      const counts =
        r.ty === Ty.CIN
          ? await resourceStore.bumpContainer(
              tx,
              r.pi,
              -1,
              -Number(r.attrs.cs ?? 0),
              toM2MTime(this.now),
            )
          : undefined;
      await this.event(tx, r.pi, { net: Net.DELETE_CHILD, resource: r }, counts?.nsub);
    }
    await resourceStore.remove(tx, r.ri);
  }

  /** Forgets what an earlier run of the same work collected (its transaction was rolled back). */
  restart(): void {
    this.rows.length = 0;
  }

  /** Writes the collected notifications to the outbox (still inside the transaction). */
  async persist(tx: CseDb): Promise<void> {
    this.committed = await outbox.insert(tx, this.rows);
  }

  /** After commit: deliver. */
  dispatch(): void {
    this.ctx.notifier.dispatch(this.committed);
  }
}

/**
 * Runs `work` in a transaction (shared with concurrent writes: see
 * write-queue.ts), then delivers what it notified once that has committed.
 */
export async function inTransaction<T>(
  ctx: CseContext,
  work: (tx: CseDb, changes: Changes) => Promise<T>,
): Promise<T> {
  const changes = new Changes(ctx, ctx.now());
  const value = await ctx.writes.run({
    work: (tx) => {
      changes.restart();
      return work(tx, changes);
    },
    persist: (tx) => changes.persist(tx),
  });
  changes.dispatch();
  return value;
}

/** Keeps a container within maxNrOfInstances and maxByteSize by deleting its oldest instances. */
export async function enforceContainerLimits(
  tx: CseDb,
  changes: Changes,
  container: Resource,
  cni: number,
  cbs: number,
): Promise<void> {
  const mni = container.attrs.mni as number | undefined;
  const mbs = container.attrs.mbs as number | undefined;
  while ((mni !== undefined && cni > mni) || (mbs !== undefined && cbs > mbs)) {
    const excess = mni !== undefined && cni > mni ? cni - mni : 1;
    const oldest = await resourceStore.children(tx, container.ri, Ty.CIN, 'asc', excess);
    if (oldest.length === 0) return;
    for (const old of oldest) {
      await changes.remove(tx, old);
      cni -= 1;
      cbs -= Number(old.attrs.cs ?? 0);
    }
  }
}
