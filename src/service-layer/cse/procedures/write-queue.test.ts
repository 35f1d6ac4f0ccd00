import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../../../core/db/testing.js';
import { cseMigrations } from '../store/migrations.js';
import type { CseTables } from '../store/tables.js';
import { WriteQueue } from './write-queue.js';

describe.each(databaseTargets())('group commit on $name', (target) => {
  let database: TestDatabase<CseTables> | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  const row = (ri: string) => ({
    ri,
    ty: 3,
    rn: ri,
    pi: null,
    path: ri,
    creator: 'CTest',
    ct: '20261122T000000',
    lt: '20261122T000000',
    et: null,
    lbl: '[]',
    acpi: '[]',
    st: 0,
    cni: 0,
    cbs: 0,
    attrs: '{}',
  });

  it('commits concurrent writes together and rolls back only the one that failed', async () => {
    database = await openTestDatabase<CseTables>(target, {
      zone: 'cse',
      migrations: cseMigrations,
    });
    const db = database.db;
    const queue = new WriteQueue(db);
    const persisted: string[] = [];
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        queue.run({
          work: async (tx) => {
            await tx
              .insertInto('resources')
              .values(row(`r${i}`))
              .execute();
            // Unit 7 writes, then fails: its row must not survive.
            if (i === 7) throw new Error('unit 7 fails');
            // Unit 9 breaks a unique constraint half-way.
            if (i === 9) await tx.insertInto('resources').values(row('r0')).execute();
            return i;
          },
          persist: async () => {
            persisted.push(`r${i}`);
          },
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected').length).toBe(2);
    expect((results[7] as PromiseRejectedResult).reason.message).toBe('unit 7 fails');
    expect(results[3]).toEqual({ status: 'fulfilled', value: 3 });
    const stored = (await db.selectFrom('resources').select('ri').execute()).map((r) => r.ri);
    expect(stored.sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `r${i}`)
        .filter((r) => r !== 'r7' && r !== 'r9')
        .sort(),
    );
    expect(persisted).not.toContain('r7');
    expect(persisted).not.toContain('r9');
  });

  it('runs each write once when none fails, and redoes a batch afresh when one does', async () => {
    database = await openTestDatabase<CseTables>(target, {
      zone: 'cse',
      migrations: cseMigrations,
    });
    const db = database.db;
    const queue = new WriteQueue(db);
    const runs = new Map<number, number>();
    const batch = (ids: number[], failing?: number) =>
      Promise.allSettled(
        ids.map((i) =>
          queue.run({
            work: async (tx) => {
              runs.set(i, (runs.get(i) ?? 0) + 1);
              await tx
                .insertInto('resources')
                .values(row(`x${i}`))
                .execute();
              if (i === failing) throw new Error(`unit ${i} fails`);
            },
            persist: async () => undefined,
          }),
        ),
      );
    await batch([0, 1, 2, 3]);
    expect([...runs.values()]).toEqual([1, 1, 1, 1]);
    runs.clear();
    // 6 fails: the batch is rolled back and redone, each write run again from the start.
    const results = await batch([4, 5, 6, 7], 6);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(runs.get(4)).toBe(2);
    expect(runs.get(6)).toBe(2);
    const stored = (await db.selectFrom('resources').select('ri').execute()).map((r) => r.ri);
    expect(stored.sort()).toEqual(['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x7']);
  });

  it('answers a lone failing write with its own error and leaves nothing behind', async () => {
    database = await openTestDatabase<CseTables>(target, {
      zone: 'cse',
      migrations: cseMigrations,
    });
    const queue = new WriteQueue(database.db);
    await expect(
      queue.run({
        work: async (tx) => {
          await tx.insertInto('resources').values(row('lonely')).execute();
          throw new Error('no');
        },
        persist: async () => undefined,
      }),
    ).rejects.toThrow('no');
    expect(await database.db.selectFrom('resources').selectAll().execute()).toEqual([]);
  });

  it('commits at once when idle, and gathers writes that keep coming into few transactions', async () => {
    database = await openTestDatabase<CseTables>(target, {
      zone: 'cse',
      migrations: cseMigrations,
    });
    const queue = new WriteQueue(database.db, 200);
    const transactions = new Set<unknown>();
    const write = (i: number) =>
      queue.run({
        work: async (tx) => {
          transactions.add(tx);
          await tx
            .insertInto('resources')
            .values(row(`d${i}`))
            .execute();
        },
        persist: async () => undefined,
      });
    const started = performance.now();
    await write(0);
    // Idle: no waiting for company.
    expect(performance.now() - started).toBeLessThan(150);
    // Busy: ten writes a few milliseconds apart share the waiting transaction.
    const pending: Array<Promise<unknown>> = [];
    for (let i = 1; i <= 10; i++) {
      pending.push(write(i));
      await new Promise((r) => setTimeout(r, 3));
    }
    await Promise.all(pending);
    expect(transactions.size).toBeLessThanOrEqual(3);
    expect(await database.db.selectFrom('resources').selectAll().execute()).toHaveLength(11);
  });
});
