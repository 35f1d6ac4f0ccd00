import { sql, type Kysely, type Selectable } from 'kysely';
import type { CseTables } from './tables.js';
import type { Resource, Ty } from '../model/types.js';

export type CseDb = Kysely<CseTables>;
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
    attrs: JSON.parse(row.attrs) as Record<string, unknown>,
  };
}

/** Typed access to the resource tree. Every function takes the db or a transaction. */
export const resourceStore = {
  async byPath(db: CseDb, path: string): Promise<Resource | undefined> {
    const row = await db
      .selectFrom('resources')
      .selectAll()
      .where('path', '=', path)
      .executeTakeFirst();
    return row && toResource(row);
  },

  async byRi(db: CseDb, ri: string): Promise<Resource | undefined> {
    const row = await db
      .selectFrom('resources')
      .selectAll()
      .where('ri', '=', ri)
      .executeTakeFirst();
    return row && toResource(row);
  },

  async byRis(db: CseDb, ris: readonly string[]): Promise<Resource[]> {
    if (ris.length === 0) return [];
    const rows = await db.selectFrom('resources').selectAll().where('ri', 'in', ris).execute();
    return rows.map(toResource);
  },

  async insert(db: CseDb, r: Omit<Resource, 'seq'>): Promise<Resource> {
    const { seq } = await db
      .insertInto('resources')
      .values({
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
        cni: r.cni,
        cbs: r.cbs,
        attrs: JSON.stringify(r.attrs),
      })
      .returning('seq')
      .executeTakeFirstOrThrow();
    if (r.lbl.length > 0) {
      await db
        .insertInto('labels')
        .values([...new Set(r.lbl)].map((lbl) => ({ ri: r.ri, lbl })))
        .execute();
    }
    return { ...r, seq: Number(seq) };
  },

  /** Writes the changed mutable fields of `r` (after an update request). */
  async save(db: CseDb, r: Resource, labelsChanged: boolean): Promise<void> {
    await db
      .updateTable('resources')
      .set({
        lt: r.lt,
        et: r.et,
        lbl: JSON.stringify(r.lbl),
        acpi: JSON.stringify(r.acpi),
        st: r.st,
        attrs: JSON.stringify(r.attrs),
      })
      .where('ri', '=', r.ri)
      .execute();
    if (labelsChanged) {
      await db.deleteFrom('labels').where('ri', '=', r.ri).execute();
      if (r.lbl.length > 0) {
        await db
          .insertInto('labels')
          .values([...new Set(r.lbl)].map((lbl) => ({ ri: r.ri, lbl })))
          .execute();
      }
    }
  },

  /**
   * Adds to a container's counters atomically (a row lock on PostgreSQL) and
   * returns the new values. The stateTag moves only when an instance arrives.
   */
  async bumpContainer(db: CseDb, ri: string, dCni: number, dCbs: number, lt: string) {
    const dSt = dCni > 0 ? 1 : 0;
    const row = await db
      .updateTable('resources')
      .set((eb) => ({
        cni: eb('cni', '+', dCni),
        cbs: eb('cbs', '+', dCbs),
        st: eb('st', '+', dSt),
        lt,
      }))
      .where('ri', '=', ri)
      .returning(['cni', 'cbs', 'st'])
      .executeTakeFirstOrThrow();
    return { cni: Number(row.cni), cbs: Number(row.cbs), st: Number(row.st) };
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

  async containersWithMaxAge(db: CseDb, ty: Ty): Promise<Resource[]> {
    const rows = await db
      .selectFrom('resources')
      .selectAll()
      .where('ty', '=', ty)
      .where('attrs', 'like', '%"mia":%')
      .execute();
    return rows.map(toResource);
  },
};
