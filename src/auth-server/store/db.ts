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
