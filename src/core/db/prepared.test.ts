import { afterEach, describe, expect, it } from 'vitest';
import type { Generated, Migration } from 'kysely';
import { serialType, type Dialect } from './database.js';
import { prepared, preparedRecord } from './prepared.js';
import { databaseTargets, openTestDatabase, type TestDatabase } from './testing.js';

interface Tables {
  item: { id: Generated<number>; name: string; n: number };
}
const migrations = (dialect: Dialect): Record<string, Migration> => ({
  '0001': {
    up: (db) =>
      db.schema
        .createTable('item')
        .addColumn('id', serialType(dialect), (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .execute(),
  },
});

// Arguments deliberately used in another order than they are given.
const add = prepared((db: import('kysely').Kysely<Tables>, n: number, name: string) =>
  db.insertInto('item').values({ name, n }).returning(['id', 'name', 'n']),
);
const bump = prepared((db: import('kysely').Kysely<Tables>, name: string, by: number) =>
  db
    .updateTable('item')
    .set((eb) => ({ n: eb('n', '+', by) }))
    .where('name', '=', name)
    .returning('n'),
);

const addRow = preparedRecord(
  (db: import('kysely').Kysely<Tables>, row: { name: string; n: number }) =>
    db.insertInto('item').values(row).returning(['name', 'n']),
);

describe.each(databaseTargets())('prepared queries on $name', (target) => {
  let database: TestDatabase<Tables> | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  it('run with fresh parameters in the right places, also inside transactions', async () => {
    database = await openTestDatabase<Tables>(target, { zone: 'test', migrations });
    const { db } = database;
    expect((await add(db, 1, 'a'))[0]).toMatchObject({ name: 'a', n: 1 });
    expect((await add(db, 5, 'b'))[0]).toMatchObject({ name: 'b', n: 5 });
    await db.transaction().execute(async (tx) => {
      expect(await bump(tx, 'b', 10)).toEqual([{ n: 15 }]);
    });
    expect(await bump(db, 'a', 2)).toEqual([{ n: 3 }]);
    // A record's keys name the parameters, whatever order the values come in.
    expect(await addRow(db, { name: 'c', n: 7 })).toEqual([{ name: 'c', n: 7 }]);
    expect(await addRow(db, { n: 8, name: 'd' })).toEqual([{ name: 'd', n: 8 }]);
  });
});
