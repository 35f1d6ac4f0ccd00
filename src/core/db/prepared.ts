import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';

/**
 * A query written with Kysely's typed builder, compiled once per dialect and
 * then executed with fresh parameters. Building and compiling a query costs
 * more than running it on SQLite, and the hot path (one contentInstance
 * create) runs the same few statements thousands of times a second.
 *
 * `build` must put each argument into the query as a plain value (no
 * transformation), so that the compiled parameters can be mapped back to
 * the arguments: it is first called with sentinel strings to learn their order.
 */
export function prepared<DB, A extends unknown[], R>(
  build: (db: Kysely<DB>, ...args: A) => Compilable<R>,
) {
  const byDialect = new WeakMap<object, { sql: string; order: number[] }>();
  return async (db: Kysely<DB>, ...args: A): Promise<R[]> => {
    const adapter = db.getExecutor().adapter;
    let plan = byDialect.get(adapter);
    if (!plan) {
      const sentinels = args.map((_, i) => `\u0000arg${i}\u0000`);
      const compiled = build(db, ...(sentinels as A)).compile();
      const order = compiled.parameters.map((p) => {
        const i = sentinels.indexOf(p as string);
        if (i < 0)
          throw new Error(`prepared query has a parameter that is not an argument: ${String(p)}`);
        return i;
      });
      byDialect.set(adapter, (plan = { sql: compiled.sql, order }));
    }
    const result = await db.executeQuery<R>(
      CompiledQuery.raw(
        plan.sql,
        plan.order.map((i) => args[i]),
      ),
    );
    return result.rows;
  };
}

/** What runs a compiled query: a Kysely instance or a transaction. */
interface Executor {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** A fixed statement without parameters (e.g. SAVEPOINT), valid in every dialect. */
export function statement(text: string) {
  const compiled = CompiledQuery.raw(text, []);
  return (db: Executor) => db.executeQuery(compiled);
}
