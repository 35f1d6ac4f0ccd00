import type { Kysely, Migration } from 'kysely';
import type { Config } from '../../core/config/index.js';
import { openDatabase, type Database, type Dialect } from '../../core/db/index.js';
import { deviceMigrations } from './migrations.js';
import { oidcMigrations } from './oidc-migrations.js';
import type { OidcTables } from './oidc-tables.js';
import type { DeviceTables } from './tables.js';

/** Every table of the authorization server's zone: identities and the provider's, devices. */
export type AuthTables = OidcTables & DeviceTables;
export type DeviceDb = Kysely<DeviceTables>;

/**
 * The migrations of the auth zone, in name order: the identity part
 * (0001–0099), device onboarding (0101–0199).
 */
export const authMigrations = (dialect: Dialect): Record<string, Migration> => ({
  ...oidcMigrations(dialect),
  ...deviceMigrations(dialect),
});

/**
 * Opens (and migrates) the authorization server's database: `auth.sqlite`
 * in the data directory or the `<prefix>_auth` PostgreSQL schema. The
 * platform opens it once and hands it to the provider and to device
 * onboarding.
 */
export function openAuthDatabase<DB extends DeviceTables = AuthTables>(
  config: Pick<Config, 'dataDir' | 'database'>,
  migrations: (dialect: Dialect) => Record<string, Migration> = authMigrations,
): Promise<Database<DB>> {
  return openDatabase<DB>({
    zone: 'auth',
    dataDir: config.dataDir,
    url: config.database.url,
    sqliteSynchronous: config.database.sqliteSynchronous,
    pgSchemaPrefix: config.database.pgSchemaPrefix,
    migrations,
  });
}

/**
 * The device tables' view of a database that holds them among others (one
 * `auth` database with the identity tables): Kysely<DB> is not assignable to
 * Kysely<DeviceTables> even when DB has every device table, and the device
 * code only ever names its own tables, so this view is sound.
 */
export function deviceDb<DB extends DeviceTables>(db: Kysely<DB>): DeviceDb {
  return db as unknown as DeviceDb;
}

/** The identity tables' view of the zone's database (the same reasoning as deviceDb). */
export function oidcDb<DB extends OidcTables>(db: Kysely<DB>): Kysely<OidcTables> {
  return db as unknown as Kysely<OidcTables>;
}
