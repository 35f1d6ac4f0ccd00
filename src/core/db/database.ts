import { Kysely, Migrator, type Migration, type MigrationProvider } from 'kysely';
import { openSqlite, type SqliteSynchronous } from './sqlite.js';
import { openPostgres } from './postgres.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseOptions {
  /** The trust zone owning these tables: its own SQLite file or PostgreSQL schema. */
  zone: string;
  dataDir: string;
  url?: string | undefined;
  sqliteSynchronous?: SqliteSynchronous;
  pgSchemaPrefix?: string;
  /** Versioned migrations, applied in name order; given the dialect for its column types. */
  migrations: (dialect: Dialect) => Record<string, Migration>;
}

export interface Database<DB> {
  db: Kysely<DB>;
  dialect: Dialect;
  /** Where the data lives, for the start-up banner (no credentials). */
  location: string;
  close(): Promise<void>;
}

/** Opens (and migrates) the database of one zone. */
export async function openDatabase<DB>(opts: DatabaseOptions): Promise<Database<DB>> {
  let db: Kysely<DB>;
  let dialect: Dialect;
  let location: string;
  let schema: string | undefined;
  let beforeClose: (() => Promise<void>) | undefined;
  if (opts.url) {
    schema = `${opts.pgSchemaPrefix ?? 'tutela'}_${opts.zone}`;
    const pg = await openPostgres(opts.url, schema);
    db = new Kysely<DB>({ dialect: pg.dialect });
    dialect = 'postgres';
    location = `${new URL(opts.url).host}${new URL(opts.url).pathname} schema ${schema}`;
  } else {
    const sqlite = openSqlite(opts.dataDir, opts.zone, opts.sqliteSynchronous ?? 'NORMAL');
    db = new Kysely<DB>({ dialect: sqlite.dialect });
    dialect = 'sqlite';
    location = sqlite.raw.name;
    beforeClose = () => sqlite.checkpointer.close();
  }
  await migrate(db, opts.migrations(dialect), schema);
  return {
    db,
    dialect,
    location,
    async close() {
      await beforeClose?.();
      await db.destroy();
    },
  };
}

async function migrate<DB>(
  db: Kysely<DB>,
  migrations: Record<string, Migration>,
  schema: string | undefined,
): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations };
  const migrator = new Migrator({
    db,
    provider,
    // Kysely looks for its own tables across every schema unless told which one is ours.
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's introspection still lists the tables of every schema; a schema that
  // another process drops meanwhile (a sibling test run, a tenant removed) fails
  // that listing with 3F000 (its schema gone) or 42P01 (one of its tables gone)
  // although ours is untouched. Nothing ran: try again.
  for (let i = 0; i < 5 && error && isForeignSchemaGone(error, schema); i++) {
    await new Promise((r) => setTimeout(r, 20 * (i + 1)));
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
}

function isForeignSchemaGone(error: unknown, schema: string | undefined): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return (
    schema !== undefined &&
    (e.code === '3F000' || e.code === '42P01') &&
    typeof e.message === 'string' &&
    // `schema "x" does not exist`, `relation "x.table" does not exist`: someone else's.
    !e.message.includes(`"${schema}"`) &&
    !e.message.includes(`"${schema}.`)
  );
}

/** Column type of an auto-incremented 64-bit key in each dialect. */
export function serialType(dialect: Dialect): 'integer' | 'bigserial' {
  return dialect === 'sqlite' ? 'integer' : 'bigserial';
}
