import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { startCheckpointer } from './sqlite-checkpointer.js';

export type SqliteSynchronous = 'NORMAL' | 'FULL';

/**
 * Opens the zone's SQLite file in WAL mode. With synchronous=NORMAL a commit
 * is in the WAL before the call returns, so it survives a crash of the
 * process (kill -9); FULL adds an fsync per commit for power-loss safety
 * (https://www.sqlite.org/wal.html, "Durability").
 */
export function openSqlite(dataDir: string, zone: string, synchronous: SqliteSynchronous) {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const raw = new SQLite(join(dataDir, `${zone}.sqlite`));
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${synchronous}`);
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  // 64 MiB page cache (default 2 MiB): the resource tree's indexes stay in memory.
  raw.pragma('cache_size = -65536');
  raw.pragma('temp_store = MEMORY');
  const checkpointer = startCheckpointer(raw);
  return { raw, checkpointer, dialect: new SqliteDialect({ database: withStatementCache(raw) }) };
}

/**
 * Kysely prepares every query anew; the same SQL text recurs on the hot path
 * (one create = a handful of fixed statements), so prepared statements are
 * kept per SQL text.
 */
function withStatementCache(db: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql) as unknown as SqliteStatement;
        if (cache.size > 500) cache.clear();
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}
