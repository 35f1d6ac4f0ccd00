import type { Kysely, Migration } from 'kysely';
import type { Config } from '../../core/config/index.js';
import { openDatabase, type Database, type Dialect } from '../../core/db/index.js';
import { deviceMigrations } from './migrations.js';
import type { DeviceTables } from './tables.js';

/** Every table of the authorization server's zone (today: devices). */
export type AuthTables = DeviceTables;
export type DeviceDb = Kysely<DeviceTables>;

/**
 * Opens (and migrates) the authorization server's database: `auth.sqlite`
 * in the data directory or the `<prefix>_auth` PostgreSQL schema. Other
 * features of the zone pass their migrations along with the devices'.
 */
export function openAuthDatabase<DB extends DeviceTables = AuthTables>(
  config: Pick<Config, 'dataDir' | 'database'>,
  migrations: (dialect: Dialect) => Record<string, Migration> = deviceMigrations,
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
