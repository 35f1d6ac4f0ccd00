import { afterEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../core/db/testing.js';
import { silentLogger } from '../../../core/log.js';
import { cseMigrations } from '../store/migrations.js';
import type { CseTables } from '../store/tables.js';
import { WriteQueue } from '../procedures/write-queue.js';
import { Dispatcher } from './dispatcher.js';
import { outbox, type OutboxRow } from './outbox.js';

describe('notification dispatcher', () => {
  let database: TestDatabase<CseTables> | undefined;
  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  const row = (n: number, immediate: boolean) => ({
    id: `n${n}`,
    sub_ri: 'sub1',
    target: 'http://127.0.0.1:9/n',
    payload: JSON.stringify({ n }),
    immediate: immediate ? 1 : 0,
    batch: null,
    batch_num: null,
    batch_ms: null,
    status: 'pending' as const,
    attempts: 0,
    next_at: 0,
    created_at: Date.now(),
    delivered_at: null,
  });

  it('sends immediate notifications before the ones already waiting, and marks all delivered, for good', async () => {
    database = await openTestDatabase<CseTables>(
      { name: 'sqlite' },
      { zone: 'cse', migrations: cseMigrations },
    );
    const db = database.db;
    const sent: string[] = [];
    let release: () => void = () => undefined;
    // One delivery at a time; the first one is held until the queue has filled up.
    const transport = async (_target: string, rqi: string) => {
      sent.push(rqi);
      if (sent.length === 1) await new Promise<void>((r) => (release = r));
      return 'delivered' as const;
    };
    const options = {
      concurrency: 1,
      perTarget: 1,
      retryBaseMs: 10,
      retryMaxMs: 100,
      giveUpAfterMs: 60_000,
      retainDeliveredMs: 60_000,
      scanMs: 60_000,
      now: Date.now,
      log: silentLogger,
    };
    // Delivered-marking goes through the group commit of the CSE's writes.
    const dispatcher = new Dispatcher(db, transport, { ...options, writes: new WriteQueue(db, 2) });
    const normal: OutboxRow[] = await outbox.insert(
      db,
      [1, 2, 3, 4].map((n) => row(n, false)),
    );
    dispatcher.enqueue(normal);
    await new Promise((r) => setTimeout(r, 20));
    dispatcher.enqueue(await outbox.insert(db, [row(5, true)]));
    release();
    for (let i = 0; i < 100 && sent.length < 5; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sent).toEqual(['n1', 'n5', 'n2', 'n3', 'n4']);
    await dispatcher.close();
    const statuses = await db
      .selectFrom('notifications')
      .select(['id', 'status'])
      .orderBy('seq')
      .execute();
    expect(statuses.every((s) => s.status === 'delivered')).toBe(true);

    // A dispatcher started afresh (a restart) finds nothing left to send.
    const resent: string[] = [];
    const restarted = new Dispatcher(
      db,
      async (_target, rqi) => {
        resent.push(rqi);
        return 'delivered' as const;
      },
      { ...options, writes: new WriteQueue(db) },
    );
    restarted.start();
    await new Promise((r) => setTimeout(r, 50));
    await restarted.close();
    expect(resent).toEqual([]);
  });
});
