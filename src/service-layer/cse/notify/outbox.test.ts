import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../core/db/database.js';
import { dropPostgresSchema } from '../../../core/db/postgres.js';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../../../core/db/testing.js';
import { cseMigrations } from '../store/migrations.js';
import type { CseTables } from '../store/tables.js';
import { silentLogger } from '../../../core/log.js';
import { eventually } from '../../../../test/support/receiver.js';
import { WriteQueue } from '../procedures/write-queue.js';
import { Dispatcher } from './dispatcher.js';
import { outbox, type NewOutboxRow } from './outbox.js';

const row = (id: string, target: string): NewOutboxRow => ({
  id,
  sub_ri: 'sub1',
  target,
  payload: JSON.stringify({ id }),
  immediate: 0,
  batch: null,
  batch_num: null,
  batch_ms: null,
  status: 'pending',
  attempts: 0,
  next_at: 0,
  created_at: 1,
  delivered_at: null,
});

describe.each(databaseTargets())('notification outbox on $name', (target) => {
  let database: TestDatabase<CseTables> | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  it('finds an AE target’s notifications in order, delivered or not, and none of the URL targets', async () => {
    database = await openTestDatabase<CseTables>(target, {
      zone: 'cse',
      migrations: cseMigrations,
    });
    const db = database.db;
    const url = 'http://127.0.0.1:9/n';
    const [a1, , a2, a3] = await outbox.insert(db, [
      row('a1', 'CAe'),
      row('u1', url),
      row('a2', 'CAe'),
      row('a3', 'CAe'),
    ]);
    await outbox.markDelivered(db, [a1!.seq, a2!.seq], 5);
    expect((await outbox.since(db, 'CAe', a1!.seq)).map((r) => r.id)).toEqual(['a2', 'a3']);
    expect((await outbox.pendingFor(db, 'CAe')).map((r) => [r.id, r.seq])).toEqual([
      ['a3', a3!.seq],
    ]);
    expect(await outbox.pendingFor(db, url)).toEqual([]);
    if (target.name === 'sqlite') {
      const plan = await sql<{
        detail: string;
      }>`EXPLAIN QUERY PLAN SELECT * FROM notifications WHERE target = 'CAe' AND target NOT LIKE 'http%' AND seq > 0`.execute(
        db,
      );
      expect(plan.rows.map((r) => r.detail).join(' ')).toContain('notifications_replay');
    }
  });

  it('keeps delivered notifications to an AE for its replay and removes those to a URL', async () => {
    database = await openTestDatabase<CseTables>(target, {
      zone: 'cse',
      migrations: cseMigrations,
    });
    const db = database.db;
    const url = 'http://127.0.0.1:9/n';
    const dispatcher = new Dispatcher(db, () => Promise.resolve('delivered' as const), {
      concurrency: 8,
      perTarget: 8,
      retryBaseMs: 10,
      retryMaxMs: 100,
      giveUpAfterMs: 60_000,
      retainDeliveredMs: 60_000,
      scanMs: 60_000,
      now: Date.now,
      log: silentLogger,
      writes: new WriteQueue(db),
    });
    const rows = await outbox.insert(db, [row('a1', 'CAe'), row('u1', url), row('u2', url)]);
    dispatcher.enqueue(rows);
    await eventually(
      async () =>
        (
          await outbox.pendingBySeq(
            db,
            rows.map((r) => r.seq),
          )
        ).length === 0,
    );
    await dispatcher.close();
    const left = await db.selectFrom('notifications').select(['id', 'status']).execute();
    expect(left).toEqual([{ id: 'a1', status: 'delivered' }]);
    expect((await outbox.since(db, 'CAe', 0)).map((r) => r.id)).toEqual(['a1']);
  });
});

describe.each(databaseTargets())(
  'the outbox migration without the unique id index on $name',
  (target) => {
    it('keeps the notifications and their sequence numbers', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tutela-test-'));
      const place = {
        zone: 'cse',
        dataDir,
        url: target.url,
        pgSchemaPrefix: `t${randomBytes(5).toString('hex')}`,
      };
      try {
        const before = await openDatabase<CseTables>({
          ...place,
          migrations: (d) =>
            Object.fromEntries(Object.entries(cseMigrations(d)).filter(([name]) => name < '0007')),
        });
        await outbox.insert(before.db, [row('p1', 'CAe'), row('p2', 'http://127.0.0.1:9/n')]);
        await before.close();
        const after = await openDatabase<CseTables>({ ...place, migrations: cseMigrations });
        const rows = await after.db
          .selectFrom('notifications')
          .select(['seq', 'id', 'target', 'status'])
          .orderBy('seq')
          .execute();
        expect(rows.map((r) => [Number(r.seq), r.id, r.status])).toEqual([
          [1, 'p1', 'pending'],
          [2, 'p2', 'pending'],
        ]);
        const [next] = await outbox.insert(after.db, [row('p3', 'CAe')]);
        expect(next!.seq).toBe(3);
        // Purged to empty, the outbox still never gives a number twice: a client holding 3 must
        // not miss what comes next (SQLite reused numbers from 1 before AUTOINCREMENT).
        await outbox.markDelivered(after.db, [1, 2, 3], 5);
        await outbox.purge(after.db, 10, 10);
        expect(await after.db.selectFrom('notifications').select('seq').execute()).toEqual([]);
        const [fresh] = await outbox.insert(after.db, [row('p4', 'CAe')]);
        expect(Number(fresh!.seq)).toBeGreaterThan(3);
        await after.close();
      } finally {
        if (target.url) await dropPostgresSchema(target.url, `${place.pgSchemaPrefix}_cse`);
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  },
);
