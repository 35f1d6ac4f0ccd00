import { sql, type Kysely, type Selectable } from 'kysely';
import { prepared, preparedRecord } from '../../../core/db/prepared.js';
import type { CseTables } from './tables.js';
import { Ty, type Resource } from '../model/types.js';

export type CseDb = Kysely<CseTables>;
/** A resource about to be stored: the CSE sets its sequence number and counters. */
export type NewResource = Omit<Resource, 'seq' | 'cni' | 'cbs' | 'nsub'>;
type Row = Selectable<CseTables['resources']>;

export interface SubtreeFilter {
  maxDepth: number;
  ty?: number[] | undefined;
  lbl?: string[] | undefined;
  cra?: string | undefined;
  crb?: string | undefined;
  afterSeq?: number;
  limit?: number;
}

function toResource(row: Row): Resource {
  return {
    seq: Number(row.seq),
    ri: row.ri,
    ty: row.ty as Ty,
    rn: row.rn,
    pi: row.pi,
    path: row.path,
    creator: row.creator,
    ct: row.ct,
    lt: row.lt,
    et: row.et,
    lbl: JSON.parse(row.lbl) as string[],
    acpi: JSON.parse(row.acpi) as string[],
    st: Number(row.st),
    cni: Number(row.cni),
    cbs: Number(row.cbs),
    nsub: Number(row.nsub),
    attrs: JSON.parse(row.attrs) as Record<string, unknown>,
  };
}

// The statements of the hot path (one contentInstance create), compiled once.
const selectByPath = prepared((db: CseDb, path: string) =>
  db.selectFrom('resources').selectAll().where('path', '=', path),
);
const selectByRi = prepared((db: CseDb, ri: string) =>
  db.selectFrom('resources').selectAll().where('ri', '=', ri),
);
const selectSubscriptions = prepared((db: CseDb, pi: string, ty: number) =>
  db.selectFrom('resources').selectAll().where('pi', '=', pi).where('ty', '=', ty).orderBy('seq'),
);
const insertResource = preparedRecord((db: CseDb, row: Omit<Row, 'seq' | 'cni' | 'cbs' | 'nsub'>) =>
  db.insertInto('resources').values(row).returning('seq'),
);
const addToCounters = prepared(
  (db: CseDb, ri: string, dCni: number, dCbs: number, dSt: number, lt: string) =>
    db
      .updateTable('resources')
      .set((eb) => ({
        cni: eb('cni', '+', dCni),
        cbs: eb('cbs', '+', dCbs),
        st: eb('st', '+', dSt),
        lt,
      }))
      .where('ri', '=', ri)
      .returning(['cni', 'cbs', 'st', 'nsub']),
);
const addToSubscriptionCount = prepared((db: CseDb, ri: string, delta: number) =>
  db
    .updateTable('resources')
    .set((eb) => ({ nsub: eb('nsub', '+', delta) }))
    .where('ri', '=', ri),
);

const maxAge = (r: Pick<Resource, 'ty' | 'attrs'>): number | null =>
  r.ty === Ty.CNT && typeof r.attrs.mia === 'number' ? r.attrs.mia : null;

/** The labels table mirrors each resource's lbl, so discovery by label uses an index. */
async function writeLabels(db: CseDb, ri: string, lbl: string[]): Promise<void> {
  if (lbl.length === 0) return;
  await db
    .insertInto('labels')
    .values([...new Set(lbl)].map((l) => ({ ri, lbl: l })))
    .execute();
}

/** Typed access to the resource tree. Every function takes the db or a transaction. */
export const resourceStore = {
  async byPath(db: CseDb, path: string): Promise<Resource | undefined> {
    const [row] = await selectByPath(db, path);
    return row && toResource(row);
  },

  async byRi(db: CseDb, ri: string): Promise<Resource | undefined> {
    const [row] = await selectByRi(db, ri);
    return row && toResource(row);
  },

  /** The subscriptions on a resource, oldest first. */
  async subscriptionsOf(db: CseDb, pi: string): Promise<Resource[]> {
    return (await selectSubscriptions(db, pi, Ty.SUB)).map(toResource);
  },

  /** Keeps a resource's count of subscriptions (nsub) in step; see bumpContainer. */
  async countSubscription(db: CseDb, ri: string, delta: 1 | -1): Promise<void> {
    await addToSubscriptionCount(db, ri, delta);
  },

  async byRis(db: CseDb, ris: readonly string[]): Promise<Resource[]> {
    if (ris.length === 0) return [];
    const rows = await db.selectFrom('resources').selectAll().where('ri', 'in', ris).execute();
    return rows.map(toResource);
  },

  async insert(db: CseDb, r: NewResource): Promise<Resource> {
    const [row] = await insertResource(db, {
      ri: r.ri,
      ty: r.ty,
      rn: r.rn,
      pi: r.pi,
      path: r.path,
      creator: r.creator,
      ct: r.ct,
      lt: r.lt,
      et: r.et,
      lbl: JSON.stringify(r.lbl),
      acpi: JSON.stringify(r.acpi),
      st: r.st,
      attrs: JSON.stringify(r.attrs),
      mia: maxAge(r),
    });
    const seq = row!.seq;
    await writeLabels(db, r.ri, r.lbl);
    return { ...r, seq: Number(seq), cni: 0, cbs: 0, nsub: 0 };
  },

  /**
   * Writes the attributes a request may change. Counters (st, cni, cbs,
   * nsub) are not written here: they move only through bumpContainer and
   * countSubscription, atomically, so concurrent writes never lose a step.
   */
  async save(db: CseDb, r: Resource, labelsChanged: boolean): Promise<void> {
    await db
      .updateTable('resources')
      .set({
        lt: r.lt,
        et: r.et,
        lbl: JSON.stringify(r.lbl),
        acpi: JSON.stringify(r.acpi),
        attrs: JSON.stringify(r.attrs),
        mia: maxAge(r),
      })
      .where('ri', '=', r.ri)
      .execute();
    if (labelsChanged) {
      await db.deleteFrom('labels').where('ri', '=', r.ri).execute();
      await writeLabels(db, r.ri, r.lbl);
    }
  },

  /**
   * Adds to a container's counters atomically (a row lock on PostgreSQL) and
   * returns the new values, with its number of subscriptions read in the same
   * statement, so the create of an instance only looks for subscriptions
   * when there are some. The stateTag moves when an instance arrives or the
   * container itself is updated, not when an instance goes.
   */
  async bumpContainer(
    db: CseDb,
    ri: string,
    dCni: number,
    dCbs: number,
    lt: string,
    dSt: 0 | 1 = dCni > 0 ? 1 : 0,
  ) {
    const [row] = await addToCounters(db, ri, dCni, dCbs, dSt, lt);
    if (!row) throw new Error(`container ${ri} vanished inside its own transaction`);
    return {
      cni: Number(row.cni),
      cbs: Number(row.cbs),
      st: Number(row.st),
      nsub: Number(row.nsub),
    };
  },

  async children(
    db: CseDb,
    pi: string,
    ty?: Ty,
    order: 'asc' | 'desc' = 'asc',
    limit?: number,
  ): Promise<Resource[]> {
    let q = db.selectFrom('resources').selectAll().where('pi', '=', pi);
    if (ty !== undefined) q = q.where('ty', '=', ty);
    q = q.orderBy('seq', order);
    if (limit !== undefined) q = q.limit(limit);
    return (await q.execute()).map(toResource);
  },

  /** Deletes a resource; the foreign key removes its subtree and labels. */
  async remove(db: CseDb, ri: string): Promise<void> {
    await db.deleteFrom('resources').where('ri', '=', ri).execute();
  },

  /**
   * Resources below `ri` (not itself) in creation order, filtered in SQL:
   * depth, types, any of the labels, creation window; `afterSeq` and `limit`
   * page through large trees.
   */
  async subtree(db: CseDb, ri: string, f: SubtreeFilter): Promise<Resource[]> {
    const where = [sql`tree.depth > 0`];
    if (f.ty?.length) where.push(sql`r.ty in (${sql.join(f.ty)})`);
    if (f.cra) where.push(sql`r.ct > ${f.cra}`);
    if (f.crb) where.push(sql`r.ct < ${f.crb}`);
    if (f.lbl?.length)
      where.push(
        sql`exists (select 1 from labels l where l.ri = r.ri and l.lbl in (${sql.join(f.lbl)}))`,
      );
    if (f.afterSeq !== undefined) where.push(sql`r.seq > ${f.afterSeq}`);
    const { rows } = await sql<Row>`
      WITH RECURSIVE tree(ri, depth) AS (
        SELECT ri, 0 FROM resources WHERE ri = ${ri}
        UNION ALL
        SELECT c.ri, tree.depth + 1 FROM resources c JOIN tree ON c.pi = tree.ri WHERE tree.depth < ${f.maxDepth}
      )
      SELECT r.* FROM resources r JOIN tree ON r.ri = tree.ri
      WHERE ${sql.join(where, sql` AND `)}
      ORDER BY r.seq LIMIT ${f.limit ?? 1_000_000}`.execute(db);
    return rows.map(toResource);
  },

  /** Every resource of one type (for the CSEBase: at most one). */
  async ofType(db: CseDb, ty: Ty): Promise<Resource[]> {
    const rows = await db
      .selectFrom('resources')
      .selectAll()
      .where('ty', '=', ty)
      .orderBy('seq')
      .execute();
    return rows.map(toResource);
  },

  /** Resources whose expirationTime has passed, oldest first. */
  async expired(db: CseDb, now: string, limit: number): Promise<Resource[]> {
    const rows = await db
      .selectFrom('resources')
      .selectAll()
      .where('et', '<=', now)
      .orderBy('et')
      .limit(limit)
      .execute();
    return rows.map(toResource);
  },

  /** Instances of a container created before `before` (maxInstanceAge). */
  async instancesOlderThan(db: CseDb, pi: string, ty: Ty, before: string): Promise<Resource[]> {
    const rows = await db
      .selectFrom('resources')
      .selectAll()
      .where('pi', '=', pi)
      .where('ty', '=', ty)
      .where('ct', '<', before)
      .orderBy('seq')
      .execute();
    return rows.map(toResource);
  },

  /** Containers that have a maxInstanceAge. */
  async containersWithMaxAge(db: CseDb): Promise<Resource[]> {
    const rows = await db
      .selectFrom('resources')
      .selectAll()
      .where('mia', 'is not', null)
      .execute();
    return rows.map(toResource);
  },
};
