import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../../core/db/testing.js';
import { generateKeyPair } from '../../crypto/hpke.js';
import { appMigrations, type AppTables } from '../store/index.js';
import { GatewayRegistry, REPLAY_WINDOW } from './gateways.js';

describe.each(databaseTargets())('gateway registry and replay guard ($name)', (target) => {
  let database: TestDatabase<AppTables>;

  afterEach(async () => {
    await database.cleanup();
  });

  async function registry() {
    database = await openTestDatabase<AppTables>(target, {
      zone: 'app',
      migrations: appMigrations,
    });
    await database.db
      .insertInto('patients')
      .values({ pt: 'pt-1', spo2_scale: 1, inbox_ri: null, created_at: 0 })
      .execute();
    const gateways = new GatewayRegistry(database.db);
    await gateways.register('gw1', 'pt-1', (await generateKeyPair()).pair.publicRaw);
    return gateways;
  }

  it('takes readings that arrive out of order, each once', async () => {
    const g = await registry();
    await g.accept('gw1', 5);
    // 3 and 4 were delayed (several notifications in flight, or a retry): still fresh.
    expect(await g.isFresh('gw1', 3)).toBe(true);
    await g.accept('gw1', 3);
    expect(await g.isFresh('gw1', 3)).toBe(false);
    expect(await g.isFresh('gw1', 5)).toBe(false);
    expect(await g.isFresh('gw1', 4)).toBe(true);
    expect(await g.isFresh('gw1', 6)).toBe(true);
  });

  it('refuses what fell out of the window, and forgets old sequence numbers', async () => {
    const g = await registry();
    await g.accept('gw1', 1);
    await g.accept('gw1', REPLAY_WINDOW + 1);
    // The window is the REPLAY_WINDOW numbers up to the highest: 2 … REPLAY_WINDOW + 1.
    expect(await g.isFresh('gw1', 1)).toBe(false);
    expect(await g.isFresh('gw1', 0)).toBe(false); // never seen, but too old to tell
    expect(await g.isFresh('gw1', 2)).toBe(true);
    await g.accept('gw1', REPLAY_WINDOW + 100); // a multiple of the pruning step
    const kept = await database.db.selectFrom('accepted_readings').select('seq').execute();
    expect(kept.map((r) => Number(r.seq)).sort((a, b) => a - b)).toEqual([
      REPLAY_WINDOW + 1,
      REPLAY_WINDOW + 100,
    ]);
  });

  it('forgets a revoked gateway', async () => {
    const g = await registry();
    expect(await g.find('gw1')).toMatchObject({ dev: 'gw1', pt: 'pt-1' });
    await g.revoke('gw1');
    expect(await g.find('gw1')).toBeUndefined();
  });
});
