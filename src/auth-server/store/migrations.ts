import type { Migration } from 'kysely';
import type { Dialect } from '../../core/db/index.js';

/**
 * Migrations of the device tables in the authorization server's database
 * (zone `auth`). Names 0101–0199 are the devices' range; 0001–0099 are left
 * to the identity tables, so both sets merge into one database.
 */
export const deviceMigrations = (_dialect: Dialect): Record<string, Migration> => ({
  '0101-auth-devices': {
    async up(db) {
      await db.schema
        .createTable('claim_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('pt', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('failed_tries', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('used_at', 'bigint')
        .addColumn('dev', 'text')
        .execute();
      await db.schema
        .createTable('devices')
        .addColumn('dev', 'text', (c) => c.primaryKey())
        .addColumn('pt', 'text', (c) => c.notNull())
        .addColumn('serial', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('not_after', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('hpke_public_key', 'text', (c) => c.notNull())
        .addColumn('claimed_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('revoked_by', 'text')
        .execute();
      await db.schema.createIndex('devices_pt').on('devices').column('pt').execute();
    },
  },
});
