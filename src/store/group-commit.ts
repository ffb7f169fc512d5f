/**
 * Group commit: writes that arrive while a transaction is being prepared or is running share the
 * next transaction, each inside its own savepoint. A burst of POSTs then pays one BEGIN/COMMIT
 * (SQLite's WAL append, PostgreSQL's fsync and advisory lock) per group instead of one per write.
 *
 * Every write still commits or rolls back as a whole: a write that throws is rolled back to its
 * savepoint and rejects alone, and the others of its group commit. If the transaction itself
 * fails (the commit, or a rollback to a savepoint), every write of the group rejects, and none of
 * them committed. Writes run in arrival order, and each one's promise settles, in that order,
 * only after its group committed.
 *
 * A write arriving while nothing runs waits for the rest of the current event-loop turn
 * (`setImmediate`), so the requests one poll phase reads join it; alone, it runs without a savepoint.
 */

export interface GroupCommitOptions<Tx> {
  /** Most writes in one transaction; 1 gives every write its own. */
  readonly maxGroup: number;
  /** Runs `body` in one transaction, committing when it resolves and rolling back when it throws. */
  transaction(body: (tx: Tx) => Promise<void>): Promise<void>;
  /** Runs one statement (`savepoint w`, `release savepoint w`, `rollback to savepoint w`). */
  statement(tx: Tx, sql: SavepointStatement): Promise<void>;
}

export type SavepointStatement = 'savepoint w' | 'release savepoint w' | 'rollback to savepoint w';

export type GroupWrite<Tx> = <T>(fn: (tx: Tx) => Promise<T>) => Promise<T>;

interface Pending<Tx> {
  readonly fn: (tx: Tx) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
}

type Outcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: unknown };

export function createGroupCommit<Tx>(options: GroupCommitOptions<Tx>): GroupWrite<Tx> {
  const maxGroup = Math.max(1, Math.floor(options.maxGroup));
  const queue: Pending<Tx>[] = [];
  let draining = false;

  async function runAlone(job: Pending<Tx>): Promise<void> {
    let value: unknown;
    try {
      await options.transaction(async (tx) => {
        value = await job.fn(tx);
      });
    } catch (err) {
      job.reject(err);
      return;
    }
    job.resolve(value);
  }

  async function runGroup(group: readonly Pending<Tx>[]): Promise<void> {
    const outcomes: Outcome[] = [];
    let failure: { readonly error: unknown } | undefined;
    try {
      await options.transaction(async (tx) => {
        for (const job of group) {
          await options.statement(tx, 'savepoint w');
          try {
            const value = await job.fn(tx);
            await options.statement(tx, 'release savepoint w');
            outcomes.push({ ok: true, value });
          } catch (error) {
            outcomes.push({ ok: false, error });
            // A rollback that fails leaves the transaction unusable: it rolls back as a whole.
            await options.statement(tx, 'rollback to savepoint w');
            await options.statement(tx, 'release savepoint w');
          }
        }
      });
    } catch (error) {
      failure = { error };
    }
    group.forEach((job, i) => {
      const outcome = outcomes[i];
      if (outcome !== undefined && !outcome.ok) job.reject(outcome.error);
      else if (failure !== undefined) job.reject(failure.error);
      else job.resolve(outcome?.value);
    });
  }

  async function drain(): Promise<void> {
    try {
      while (queue.length > 0) {
        const group = queue.splice(0, maxGroup);
        if (group.length === 1) await runAlone(group[0] as Pending<Tx>);
        else await runGroup(group);
      }
    } finally {
      draining = false;
    }
  }

  return <T>(fn: (tx: Tx) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (draining) return;
      draining = true;
      setImmediate(() => void drain());
    });
}
