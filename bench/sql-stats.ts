import SQLite from 'better-sqlite3';

/** Statements run and the time spent in them, per database file and statement kind. */
export type SqlStats = Record<string, Record<string, { n: number; ms: number }>>;

type Method = (...args: unknown[]) => unknown;

/**
 * Counts and times every better-sqlite3 statement this process runs on its
 * main thread, by database (the file's name: cse, app) and kind (the SQL's
 * first word: select, insert, update, delete, begin, commit, savepoint,
 * release…; with `byTable`, followed by the statement's first table). Installed in the pipeline server before the platform opens its
 * databases; costs two clock reads per statement. Worker threads (the WAL
 * checkpointer) have their own connections and are not counted.
 */
export function instrumentSqlite(byTable = false): () => SqlStats {
  const stats: SqlStats = {};
  const proto = SQLite.prototype as unknown as { prepare: Method };
  const prepare = proto.prepare;
  proto.prepare = function (this: { name: string }, ...args: unknown[]) {
    const stmt = prepare.apply(this, args) as Record<string, Method>;
    const db = /([^/\\]+)\.sqlite$/.exec(this.name)?.[1] ?? 'other';
    const text = String(args[0]);
    let kind = /^\s*(\w+)/.exec(text)?.[1]?.toLowerCase() ?? 'other';
    if (byTable) kind += ` ${/\b(?:from|into|update)\s+"?(\w+)/i.exec(text)?.[1] ?? ''}`.trimEnd();
    const entry = ((stats[db] ??= {})[kind] ??= { n: 0, ms: 0 });
    for (const name of ['run', 'get', 'all', 'iterate']) {
      const original = stmt[name];
      if (typeof original !== 'function') continue;
      stmt[name] = function (this: unknown, ...callArgs: unknown[]) {
        const start = performance.now();
        try {
          return original.apply(stmt, callArgs);
        } finally {
          entry.n++;
          entry.ms += performance.now() - start;
        }
      };
    }
    return stmt;
  };
  return () => structuredClone(stats);
}

/** What ran between two snapshots. */
export function sqlDelta(before: SqlStats, after: SqlStats): SqlStats {
  const out: SqlStats = {};
  for (const [db, kinds] of Object.entries(after))
    for (const [kind, { n, ms }] of Object.entries(kinds)) {
      const b = before[db]?.[kind] ?? { n: 0, ms: 0 };
      if (n > b.n) (out[db] ??= {})[kind] = { n: n - b.n, ms: ms - b.ms };
    }
  return out;
}
