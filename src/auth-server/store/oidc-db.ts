import type { Migration } from 'kysely';
import type { Config } from '../../core/config/index.js';
import { openDatabase, type Database, type Dialect } from '../../core/db/index.js';
import { oidcMigrations } from './oidc-migrations.js';
import type { OidcTables } from './oidc-tables.js';

/** Every table of the authorization server's zone (the device feature extends this type). */
export type AuthTables = OidcTables;

/**
 * The migrations of the auth zone, in name order: the identity part (0001–0099);
 * the device onboarding feature adds its 0101–0199 here.
 */
export const authMigrations = (dialect: Dialect): Record<string, Migration> => ({
  ...oidcMigrations(dialect),
});

/** The one place the auth zone's database is opened: its SQLite file or PostgreSQL schema. */
export function openAuthDatabase(config: Config): Promise<Database<AuthTables>> {
  return openDatabase<AuthTables>({
    zone: 'auth',
    dataDir: config.dataDir,
    url: config.database.url,
    sqliteSynchronous: config.database.sqliteSynchronous,
    pgSchemaPrefix: config.database.pgSchemaPrefix,
    migrations: authMigrations,
  });
}
