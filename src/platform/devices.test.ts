import { afterEach, describe, expect, it } from 'vitest';
import type { Migration } from 'kysely';
import { deviceMigrations, type DeviceTables } from '../auth-server/store/index.js';
import { loadConfig } from '../core/config/index.js';
import type { Dialect } from '../core/db/index.js';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../core/db/testing.js';
import { silentLogger } from '../core/log.js';
import { openPlatformDevices } from './devices.js';

/** The zone's tables as the identity work will add them: another feature's beside the devices'. */
type ZoneTables = DeviceTables & { identities: { id: string } };
const zoneMigrations = (d: Dialect): Record<string, Migration> => ({
  '0001-identities': {
    async up(db) {
      await db.schema
        .createTable('identities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .execute();
    },
  },
  ...deviceMigrations(d),
});

describe.each(databaseTargets())(
  'device onboarding in a shared auth database ($name)',
  (target) => {
    let database: TestDatabase<ZoneTables> | undefined;
    afterEach(async () => {
      await database?.cleanup();
      database = undefined;
    });

    it('runs on one auth database migrated with the device migrations among others, and leaves it open', async () => {
      database = await openTestDatabase<ZoneTables>(target, {
        zone: 'auth',
        migrations: zoneMigrations,
      });
      const config = loadConfig({}, { dataDir: database.dataDir, logLevel: 'silent' });
      const devices = await openPlatformDevices(config, silentLogger, { database });
      const { code, pt } = await devices.onboarding.createClaimCode('pt-9', 'nurse');
      expect(code).toHaveLength(16);
      expect(pt).toBe('pt-9');
      await devices.close();
      // Still open, with both features' tables.
      await database.db.insertInto('identities').values({ id: 'u1' }).execute();
      expect(await database.db.selectFrom('claim_codes').select('pt').execute()).toEqual([
        { pt: 'pt-9' },
      ]);
    });
  },
);
