import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';

type Plan = { sql: string; pick: Array<(args: unknown[]) => unknown> };

/**
 * Compiles `build` once per dialect with sentinel values, and learns from the
 * compiled parameters which argument each placeholder takes. `sentinels`
 * makes the sentinel arguments; `resolve` maps a sentinel back to a picker.
 */
function compileOnce<DB, R>(
  build: (db: Kysely<DB>, ...args: never[]) => Compilable<R>,
  sentinels: (args: unknown[]) => {
    values: unknown[];
    pickerFor: (p: unknown) => ((args: unknown[]) => unknown) | undefined;
  },
) {
  const byDialect = new WeakMap<object, Plan>();
  return async (db: Kysely<DB>, args: unknown[]): Promise<R[]> => {
    const adapter = db.getExecutor().adapter;
    let plan = byDialect.get(adapter);
    if (!plan) {
      const { values, pickerFor } = sentinels(args);
      const compiled = build(db, ...(values as never[])).compile();
      const pick = compiled.parameters.map((p) => {
        const picker = pickerFor(p);
        if (!picker)
          throw new Error(`prepared query has a parameter that is not an argument: ${String(p)}`);
        return picker;
      });
      byDialect.set(adapter, (plan = { sql: compiled.sql, pick }));
    }
    const result = await db.executeQuery<R>(
      CompiledQuery.raw(
        plan.sql,
        plan.pick.map((f) => f(args)),
      ),
    );
    return result.rows;
  };
}

const sentinel = (name: string) => `\u0000${name}\u0000`;

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
  const run = compileOnce<DB, R>(build as never, (args) => {
    const values = args.map((_, i) => sentinel(`arg${i}`));
    return {
      values,
      pickerFor: (p) => {
        const i = values.indexOf(p as string);
        return i < 0 ? undefined : (a) => a[i];
      },
    };
  });
  return (db: Kysely<DB>, ...args: A): Promise<R[]> => run(db, args);
}

/**
 * The same for a statement that takes one record, such as an insert's row:
 * its keys name the parameters. Every call must pass the same keys (the
 * record's type makes them all required).
 */
export function preparedRecord<DB, T extends Record<string, unknown>, R>(
  build: (db: Kysely<DB>, record: T) => Compilable<R>,
) {
  const run = compileOnce<DB, R>(build as never, (args) => {
    const keys = Object.keys(args[0] as T);
    const values = [Object.fromEntries(keys.map((k) => [k, sentinel(k)]))];
    return {
      values,
      pickerFor: (p) => {
        const key = keys.find((k) => sentinel(k) === p);
        return key === undefined ? undefined : (a) => (a[0] as T)[key];
      },
    };
  });
  return (db: Kysely<DB>, record: T): Promise<R[]> => run(db, [record]);
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
