import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../../core/db/testing.js';
import { oidcMigrations } from '../store/oidc-migrations.js';
import type { OidcTables } from '../store/oidc-tables.js';
import { kyselyAdapter, revokeGrant, sweepExpired } from './adapter.js';

describe.each(databaseTargets())('oidc storage adapter ($name)', (target) => {
  let database: TestDatabase<OidcTables> | undefined;
  afterEach(async () => {
    await database?.cleanup();
  });

  it('stores, finds by id, uid and user code, expires, consumes and revokes by grant', async () => {
    database = await openTestDatabase<OidcTables>(target, {
      zone: 'auth',
      migrations: oidcMigrations,
    });
    let t = 1_000_000_000;
    const Adapter = kyselyAdapter(database.db, () => t);
    const rt = new Adapter('RefreshToken');
    const session = new Adapter('Session');
    const device = new Adapter('DeviceCode');
    await rt.upsert('r1', { grantId: 'g1', accountId: 'a' }, 60);
    await rt.upsert('r2', { grantId: 'g2', accountId: 'b' }, 60);
    await session.upsert('s1', { uid: 'u1', accountId: 'a' }, 60);
    await device.upsert('d1', { grantId: 'g1', userCode: 'ABCD-EFGH' }, 60);
    await new Adapter('Grant').upsert('g1', { accountId: 'a' }, 600);
    expect(await rt.find('r1')).toEqual({ grantId: 'g1', accountId: 'a' });
    expect(await new Adapter('AccessToken').find('r1')).toBeUndefined(); // kinds are separate
    expect(await session.findByUid('u1')).toMatchObject({ accountId: 'a' });
    expect(await device.findByUserCode('ABCD-EFGH')).toMatchObject({ grantId: 'g1' });

    await rt.consume('r2');
    expect((await rt.find('r2'))?.consumed).toBe(Math.floor(t / 1000));
    // Upserting again (e.g. a re-saved session) keeps one row.
    await session.upsert('s1', { uid: 'u1', accountId: 'a', exp: 1 }, 60);
    expect(await session.findByUid('u1')).toMatchObject({ exp: 1 });

    await revokeGrant(database.db, 'g1');
    expect(await rt.find('r1')).toBeUndefined();
    expect(await device.find('d1')).toBeUndefined();
    expect(await new Adapter('Grant').find('g1')).toBeUndefined();
    expect(await rt.find('r2')).toBeDefined();

    t += 61_000;
    expect(await rt.find('r2')).toBeUndefined(); // expired: invisible before the sweep
    expect(await sweepExpired(database.db, t)).toBe(2);
    await session.destroy('s1');
  });
});
