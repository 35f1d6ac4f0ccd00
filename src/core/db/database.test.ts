import { afterEach, describe, expect, it } from 'vitest';
import { sql, type Generated, type Migration } from 'kysely';
import { serialType, type Dialect } from './database.js';
import { databaseTargets, openTestDatabase, type TestDatabase } from './testing.js';

interface Tables {
  note: { id: Generated<number>; body: string };
}

const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '0001-note': {
    up: async (db) => {
      await db.schema
        .createTable('note')
        .addColumn('id', serialType(dialect), (c) => c.primaryKey())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0002-note-index': {
    up: async (db) => {
      await db.schema.createIndex('note_body').on('note').column('body').execute();
    },
  },
});

describe.each(databaseTargets())('database on $name', (target) => {
  let database: TestDatabase<Tables> | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  it('applies migrations once and runs the same typed queries', async () => {
    database = await openTestDatabase<Tables>(target, { zone: 'test', migrations });
    const { db } = database;
    const inserted = await db
      .insertInto('note')
      .values({ body: 'a' })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(inserted.id).toBeGreaterThan(0);
    const rows = await db.selectFrom('note').selectAll().execute();
    expect(rows.map((r) => r.body)).toEqual(['a']);
    const applied = await sql<{
      name: string;
    }>`select name from kysely_migration order by name`.execute(db);
    expect(applied.rows.map((r) => r.name)).toEqual(['0001-note', '0002-note-index']);
    expect(database.dialect).toBe(target.name);
  });

  it('rolls a failed transaction back whole', async () => {
    database = await openTestDatabase<Tables>(target, { zone: 'test', migrations });
    const { db } = database;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('note').values({ body: 'half' }).execute();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.selectFrom('note').selectAll().execute()).toEqual([]);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('migrations on PostgreSQL among other schemas', () => {
  it('migrate while other schemas are made and dropped all the time (sibling runs)', async () => {
    const url = process.env.DATABASE_URL!;
    const target = { name: 'postgres' as const, url };
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        const other = await openTestDatabase<Tables>(target, { zone: `churn${i % 3}`, migrations });
        await other.cleanup();
      }
    })();
    try {
      for (let round = 0; round < 4; round++) {
        const opened = await Promise.all(
          Array.from({ length: 4 }, () =>
            openTestDatabase<Tables>(target, { zone: 'mig', migrations }),
          ),
        );
        await Promise.all(opened.map((d) => d.cleanup()));
      }
    } finally {
      churning = false;
      await churn;
    }
  }, 60_000);
});
