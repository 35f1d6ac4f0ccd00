import { toM2MTime } from './model/time.js';
import { Ty } from './model/types.js';
import { resourceStore } from './store/resource-store.js';
import type { CseContext } from './procedures/context.js';

/**
 * Makes sure the CSEBase exists (TS-0001 §9.6.3): its ri is the CSE-ID
 * without the leading "/", its name the configured resource name. A data
 * directory made for another CSE-ID or name is refused rather than renamed.
 */
export async function ensureCseBase(ctx: CseContext, poa: string[]): Promise<void> {
  const ri = ctx.cseId.slice(1);
  const attrs = {
    csi: ctx.cseId,
    cst: 1,
    srt: [Ty.ACP, Ty.AE, Ty.CNT, Ty.CIN, Ty.CSEBASE, Ty.SUB],
    srv: ['2a', '3', '4'],
    poa,
    csz: ['application/json'],
  };
  const [existing, other] = await resourceStore.ofType(ctx.db, Ty.CSEBASE);
  if (other) throw new Error('this database holds more than one CSEBase; it cannot be used');
  if (existing) {
    if (existing.ri !== ri || existing.rn !== ctx.rn) {
      throw new Error(
        `this database belongs to CSE ${existing.attrs.csi as string} named "${existing.rn}", not ${ctx.cseId} named "${ctx.rn}"; configure those or use a fresh data directory`,
      );
    }
    await resourceStore.save(ctx.db, { ...existing, attrs }, false);
    return;
  }
  const now = toM2MTime(ctx.now());
  await resourceStore.insert(ctx.db, {
    ri,
    ty: Ty.CSEBASE,
    rn: ctx.rn,
    pi: null,
    path: ctx.rn,
    creator: ctx.cseId,
    ct: now,
    lt: now,
    et: null,
    lbl: [],
    acpi: [],
    st: 0,
    attrs,
  });
}
