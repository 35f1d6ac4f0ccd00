import { toM2MTime } from './model/time.js';
import { Ty } from './model/types.js';
import { resourceStore } from './store/resource-store.js';
import { inTransaction } from './procedures/changes.js';
import type { CseContext } from './procedures/context.js';

/**
 * Removes resources whose expirationTime has passed, and instances older
 * than their container's maxInstanceAge (TS-0001 §9.6.1.3, §9.6.6), with the
 * same notifications as a DELETE. Returns how many it removed.
 */
export async function sweepExpired(ctx: CseContext): Promise<number> {
  const now = ctx.now();
  let removed = 0;
  for (const r of await resourceStore.expired(ctx.db, toM2MTime(now), 500)) {
    // A parent removed earlier in this sweep took this one with it.
    if (!(await resourceStore.byRi(ctx.db, r.ri))) continue;
    await inTransaction(ctx, (tx, changes) => changes.remove(tx, r));
    removed++;
  }
  for (const cnt of await resourceStore.containersWithMaxAge(ctx.db)) {
    const mia = cnt.attrs.mia;
    if (typeof mia !== 'number') continue;
    const old = await resourceStore.instancesOlderThan(
      ctx.db,
      cnt.ri,
      Ty.CIN,
      toM2MTime(now - mia * 1000),
    );
    if (old.length === 0) continue;
    await inTransaction(ctx, async (tx, changes) => {
      for (const r of old) await changes.remove(tx, r);
    });
    removed += old.length;
  }
  return removed;
}

/** Runs the sweep every `intervalMs`; returns a stop function. */
export function startExpirySweeper(ctx: CseContext, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepExpired(ctx)
      .then((n) => n > 0 && ctx.log.debug({ removed: n }, 'expired resources removed'))
      .catch((err: unknown) => ctx.log.error({ err }, 'expiry sweep failed'))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
