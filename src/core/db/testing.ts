import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database, type DatabaseOptions } from './database.js';
import { dropPostgresSchema } from './postgres.js';

export interface DatabaseTarget {
  name: 'sqlite' | 'postgres';
  url?: string;
}

let warned = false;

/**
 * The databases every storage test runs on: SQLite always, PostgreSQL when
 * DATABASE_URL is set (.ci/run sets it). Says so once when PostgreSQL is skipped.
 */
export function databaseTargets(): DatabaseTarget[] {
  const url = process.env.DATABASE_URL;
  if (!url) {
    if (!warned) console.warn('[tutela] PostgreSQL tests SKIPPED: DATABASE_URL is not set');
    warned = true;
    return [{ name: 'sqlite' }];
  }
  return [{ name: 'sqlite' }, { name: 'postgres', url }];
}

export interface TestDatabase<DB> extends Database<DB> {
  dataDir: string;
  /** Closes the database and removes everything it wrote. */
  cleanup(): Promise<void>;
}

/** A fresh, migrated database for one test: a temp SQLite dir or a throwaway PostgreSQL schema. */
export async function openTestDatabase<DB>(
  target: DatabaseTarget,
  opts: Pick<DatabaseOptions, 'zone' | 'migrations'> & { dataDir?: string },
): Promise<TestDatabase<DB>> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'tutela-test-'));
  const prefix = `t${randomBytes(5).toString('hex')}`;
  const database = await openDatabase<DB>({
    ...opts,
    dataDir,
    url: target.url,
    pgSchemaPrefix: prefix,
  });
  return {
    ...database,
    dataDir,
    async cleanup() {
      await database.close();
      if (target.url) await dropPostgresSchema(target.url, `${prefix}_${opts.zone}`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
