import pg from 'pg';
import { PostgresDialect } from 'kysely';

/**
 * Each zone lives in its own PostgreSQL schema, so zones that a hospital runs
 * as separate processes (or hands to separate operators) never share tables.
 */
export async function openPostgres(url: string, schema: string) {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } finally {
    await admin.end();
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    options: `-c search_path=${schema}`,
    types: { getTypeParser: int8AsNumber },
  });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  return { pool, dialect: new PostgresDialect({ pool }) };
}

/** int8 (OID 20) as a JS number: sequence ids and epoch milliseconds stay far below 2^53. */
const int8AsNumber = ((oid: number, format?: 'text' | 'binary') =>
  oid === 20
    ? (v: string) => Number(v)
    : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser;

/** Drops a zone's schema (tests only clean up after themselves with it). */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await admin.end();
  }
}
