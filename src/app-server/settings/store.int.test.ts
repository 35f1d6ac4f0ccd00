import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../../core/db/testing.js';
import { silentLogger } from '../../core/log.js';
import { Keyring } from '../keyring/index.js';
import { appMigrations, type AppTables } from '../store/index.js';
import { SettingsStore } from './store.js';

describe.each(databaseTargets())('settings store ($name)', (target) => {
  let database: TestDatabase<AppTables>;

  afterEach(async () => {
    await database.cleanup();
  });

  async function setUp() {
    database = await openTestDatabase<AppTables>(target, {
      zone: 'app',
      migrations: appMigrations,
    });
    await database.db
      .insertInto('patients')
      .values({ pt: 'pt-1', spo2_scale: 1, inbox_ri: null, created_at: 0 })
      .execute();
    const keyring = await Keyring.open(database, new Uint8Array(randomBytes(32)));
    let now = 1_000;
    const store = (k = keyring) =>
      new SettingsStore({ db: database.db, keyring: k, log: silentLogger, now: () => now });
    return { keyring, store, tick: (ms: number) => (now += ms) };
  }

  it('a change by another worker is seen once its cached copy is 30 s old, not before', async () => {
    const { store, tick } = await setUp();
    const a = store();
    const b = store();
    expect(await b.get('pt-1')).toMatchObject({ spo2Scale: 1, thresholds: {} });
    await a.put('pt-1', { spo2Scale: 2, thresholds: { pulse: { above: 120 } } }, 'doc');
    expect(await a.get('pt-1')).toMatchObject({ spo2Scale: 2, updatedBy: 'doc' });
    tick(29_999);
    expect((await b.get('pt-1')).spo2Scale).toBe(1);
    tick(1);
    expect(await b.get('pt-1')).toMatchObject({
      spo2Scale: 2,
      thresholds: { pulse: { above: 120 } },
    });
  });

  it('settings that no longer open (the patient erased) read as none', async () => {
    const { store, keyring } = await setUp();
    await store().put('pt-1', { spo2Scale: 2, thresholds: { spo2: { below: 85 } } }, 'doc');
    await keyring.shred('pt-1');
    const s = await store().get('pt-1');
    expect(s.thresholds).toEqual({});
    expect(s.spo2Scale).toBe(2);
  });
});
