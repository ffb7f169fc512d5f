/**
 * Kysely queries built and compiled once, run with new values. Kysely builds a query as a tree of
 * frozen nodes and compiles it to SQL on every call: about 10 µs of CPU a query, more than
 * better-sqlite3 takes to run a prepared insert, and most of the store's share of a REST write
 * (bench/publish-cost.mjs). The hot write path (the event log's append, a notification's insert,
 * a host's report) runs the same few statements every time with different values, so each is
 * built once per dialect with a marker in place of every value, and each run only puts the values
 * where the markers were.
 *
 * `fields` names every field of the values object (a record of `true`, so that the compiler checks
 * none is missing); compiling fails when a field's marker does not come out as a parameter (a
 * value Kysely wrote into the SQL text or dropped), and running fails on an `undefined` value
 * (Kysely leaves such a column out of an insert; a prepared insert would write NULL instead).
 */
import { CompiledQuery, type Compilable, type Kysely, type QueryResult, type Transaction } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Every field of `P`, each `true`. */
export type FieldList<P> = { readonly [K in keyof P]-?: true };

/** Each parameter of the compiled query: a field of the values object, or a constant of the query. */
type Slot = { readonly field: string } | { readonly value: unknown };

interface Plan {
  readonly sql: string;
  readonly slots: readonly Slot[];
}

const MARKER = '\u0000aether-prepared:';

function compilePlan<P>(db: Db, fields: readonly string[], build: (db: Db, values: P) => Compilable<unknown>): Plan {
  const markers = Object.fromEntries(fields.map((field) => [field, `${MARKER}${field}`])) as P;
  const compiled = build(db, markers).compile();
  if (compiled.sql.includes(MARKER)) throw new Error(`prepared query: a value was written into the SQL text: ${compiled.sql}`);
  const seen = new Set<string>();
  const slots = compiled.parameters.map((value): Slot => {
    if (typeof value === 'string' && value.startsWith(MARKER)) {
      const field = value.slice(MARKER.length);
      seen.add(field);
      return { field };
    }
    return { value };
  });
  const missing = fields.filter((field) => !seen.has(field));
  if (missing.length > 0) throw new Error(`prepared query: ${missing.join(', ')} did not become parameters of: ${compiled.sql}`);
  return { sql: compiled.sql, slots };
}

/**
 * Runs SQL with parameters at once on the connection a transaction holds: SQLite's (better-sqlite3
 * is synchronous and a transaction has the one connection to itself). Through Kysely's executor
 * the same statement took a connection-provider hop, a result transform and four promises: about
 * as much CPU as better-sqlite3 takes to run it (bench/publish-cost.mjs).
 */
export type DirectRunner = (sql: string, parameters: readonly unknown[]) => QueryResult<unknown>;

/** Direct runners per dialect adapter (the same for a Kysely instance and its transactions). */
const directRunners = new WeakMap<object, DirectRunner>();

/** Prepared queries run inside `db`'s transactions go straight to `runner` (see DirectRunner). */
export function runInTransactionsWith(db: Kysely<Database>, runner: DirectRunner): void {
  directRunners.set(db.getExecutor().adapter, runner);
}

/**
 * A query built by `build` once per dialect, then run with `values` in place of its markers.
 * Inside a transaction of a store that registered a DirectRunner it runs there, not through
 * Kysely's executor; outside one (the connection may be another transaction's) it never does.
 */
export function prepared<P extends object, R = unknown>(
  fieldList: FieldList<P>,
  build: (db: Db, values: P) => Compilable<R>,
): (db: Db, values: P) => Promise<QueryResult<R>> {
  const fields = Object.keys(fieldList);
  // One plan per dialect adapter: the same Kysely instance's transactions share one.
  const plans = new WeakMap<object, Plan>();
  return async (db, values) => {
    const adapter = db.getExecutor().adapter;
    let plan = plans.get(adapter);
    if (plan === undefined) plans.set(adapter, (plan = compilePlan(db, fields, build)));
    const record = values as Record<string, unknown>;
    const parameters = plan.slots.map((slot) => {
      if (!('field' in slot)) return slot.value;
      const value = record[slot.field];
      if (value === undefined) throw new Error(`prepared query: ${slot.field} is undefined`);
      return value;
    });
    return runOn<R>(db, adapter, plan.sql, parameters);
  };
}

/** Runs `sql` with `parameters` on `db`: directly inside a transaction where a DirectRunner is registered, else through Kysely. */
export function runSql<R = unknown>(db: Db, sql: string, parameters: unknown[] = []): Promise<QueryResult<R>> {
  return runOn<R>(db, db.getExecutor().adapter, sql, parameters);
}

/** runSql with `db`'s adapter already in hand (a prepared query looked it up for its plan). */
async function runOn<R>(db: Db, adapter: object, sql: string, parameters: unknown[]): Promise<QueryResult<R>> {
  const direct = db.isTransaction ? directRunners.get(adapter) : undefined;
  if (direct !== undefined) return direct(sql, parameters) as QueryResult<R>;
  return db.executeQuery(CompiledQuery.raw(sql, parameters) as CompiledQuery<R>);
}
