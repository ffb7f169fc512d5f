/**
 * The Store on Kysely: one code path for SQLite and PostgreSQL. Here the transactions (group
 * commit and the write lock for writes, one snapshot for reads) and the repositories a
 * transaction carries; the event log and its offsets are `event-log.ts`.
 */
import { sql, type Kysely } from 'kysely';
import { appendEvent, countEvents, pruneEvents, readEvents, readHeads, readPosition, type Db, type EventLogOptions } from './event-log.js';
import { createGroupCommit, type GroupWrite } from './group-commit.js';
import { runSql } from './prepared.js';
import { createInventoryRepo } from './inventory-repo.js';
import { createJobRepo } from './jobs-repo.js';
import { createNotificationRepo } from './notifications-repo.js';
import { createUserAccessRepo } from './access-repo.js';
import type { Database } from './schema.js';
import type { Position } from '../protocol/index.js';
import type { IdempotencyRepo, InventoryRepo, JobRepo, NewEvent, NotificationRepo, SessionRepo, Store, StoreTx, TopicEvent, UserAccessRepo } from './types.js';

/** Advisory lock key of the PostgreSQL write lock ("aether-v write" → an arbitrary fixed int8). */
const WRITE_LOCK_KEY = 0x61657468_7772;

export interface KyselyStoreOptions {
  readonly db: Kysely<Database>;
  readonly dialect: Store['dialect'];
  readonly epoch: string;
  readonly now: () => Date;
  /** Appends between two count-based prunes of a topic's log. */
  readonly pruneEvery?: number;
  readonly eventLogMaxPerTopic: number;
  /** Most writes sharing one transaction (group commit, see group-commit.ts); 1 = one each. Default 64. */
  readonly writeGroupMax?: number;
}

function createIdempotencyRepo(db: Db): IdempotencyRepo {
  return {
    async get(principal, key) {
      return db.selectFrom('idempotency_keys').select(['status', 'body']).where('principal', '=', principal).where('key', '=', key).executeTakeFirst();
    },
    async put(principal, key, record, at) {
      await db.insertInto('idempotency_keys').values({ principal, key, status: record.status, body: record.body, created_at: at }).execute();
    },
    async pruneBefore(cutoff) {
      const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', cutoff).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function createSessionRepo(db: Db): SessionRepo {
  return {
    async insert(s) {
      await db
        .insertInto('sessions')
        .values({
          id: s.id,
          user_id: s.userId,
          name: s.name,
          roles: JSON.stringify(s.roles),
          created_at: s.createdAt,
          last_seen_at: s.lastSeenAt,
          expires_at: s.expiresAt,
        })
        .execute();
    },
    async get(id) {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        id: row.id,
        userId: row.user_id,
        name: row.name,
        roles: JSON.parse(row.roles) as string[],
        createdAt: Number(row.created_at),
        lastSeenAt: Number(row.last_seen_at),
        expiresAt: Number(row.expires_at),
      };
    },
    async touch(id, lastSeenAt) {
      await db.updateTable('sessions').set({ last_seen_at: lastSeenAt }).where('id', '=', id).where('last_seen_at', '<', lastSeenAt).execute();
    },
    async delete(id) {
      const result = await db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async deleteExpired(nowMs, idleBefore) {
      const rows = await db
        .selectFrom('sessions')
        .select('id')
        .where((eb) => eb.or([eb('expires_at', '<=', nowMs), eb('last_seen_at', '<', idleBefore)]))
        .execute();
      const ids = rows.map((r) => r.id);
      if (ids.length > 0) await db.deleteFrom('sessions').where('id', 'in', ids).execute();
      return ids;
    },
    async deleteByUser(userId) {
      const rows = await db.deleteFrom('sessions').where('user_id', '=', userId).returning('id').execute();
      return rows.map((r) => r.id);
    },
  };
}

/**
 * A transaction's repositories, each made on first use: a write or read touches one or two of
 * them, and making all six (a few dozen closures) for every publish and every read was work for
 * nothing (bench/publish-cost.mjs: 127–140 → 120 µs of server CPU per POST).
 */
class KyselyStoreTx implements StoreTx {
  #notifications: NotificationRepo | undefined;
  #inventory: InventoryRepo | undefined;
  #jobs: JobRepo | undefined;
  #idempotency: IdempotencyRepo | undefined;
  #sessions: SessionRepo | undefined;
  #access: UserAccessRepo | undefined;

  constructor(
    private readonly trx: Db,
    private readonly log: EventLogOptions,
  ) {}

  get notifications(): NotificationRepo {
    return (this.#notifications ??= createNotificationRepo(this.trx));
  }
  get inventory(): InventoryRepo {
    return (this.#inventory ??= createInventoryRepo(this.trx));
  }
  get jobs(): JobRepo {
    return (this.#jobs ??= createJobRepo(this.trx));
  }
  get idempotency(): IdempotencyRepo {
    return (this.#idempotency ??= createIdempotencyRepo(this.trx));
  }
  get sessions(): SessionRepo {
    return (this.#sessions ??= createSessionRepo(this.trx));
  }
  get access(): UserAccessRepo {
    return (this.#access ??= createUserAccessRepo(this.trx));
  }
  /** Arrow properties: callers may pass these on detached. */
  readonly appendEvent = (event: NewEvent): Promise<TopicEvent> => appendEvent(this.trx, event, this.log);
  readonly position = (topic: string): Promise<Position> => readPosition(this.trx, topic, this.log.epoch);
}

function createStoreTx(trx: Db, log: EventLogOptions): StoreTx {
  return new KyselyStoreTx(trx, log);
}

/** The write path: concurrent writes share one transaction (group commit), one writer at a time per database. */
function createWriter(options: KyselyStoreOptions): GroupWrite<Db> {
  const { db } = options;
  return createGroupCommit<Db>({
    maxGroup: options.writeGroupMax ?? 64,
    transaction: (body) =>
      db.transaction().execute(async (trx) => {
        // PostgreSQL: one writer at a time per database, as on SQLite. Services re-read and then
        // update (a job step versus a cancel) assuming serial transactions, and a transaction may
        // append to several topics; a transaction-scoped advisory lock gives every instance that
        // order without lost updates or lock-order deadlocks. Offsets still come from the
        // topic_heads row lock, so they stay gap-free even without it.
        if (options.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${WRITE_LOCK_KEY})`.execute(trx);
        await body(trx);
      }),
    statement: async (trx, statement) => {
      await runSql(trx, statement);
    },
  });
}

/** How long `close()` waits for writes and reads already begun, at most. */
const CLOSE_WAIT_MS = 10_000;

/** The store's operations in flight, so that closing waits for them instead of cutting them off. */
function createInFlight(): { track<T>(work: Promise<T>): Promise<T>; settled(maxWaitMs: number): Promise<void> } {
  const pending = new Set<Promise<unknown>>();
  return {
    track(work) {
      pending.add(work);
      const done = (): void => void pending.delete(work);
      work.then(done, done);
      return work;
    },
    async settled(maxWaitMs) {
      const deadline = Date.now() + maxWaitMs;
      while (pending.size > 0 && Date.now() < deadline) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadline - Date.now())));
        await Promise.race([Promise.allSettled([...pending]), timeout]);
        clearTimeout(timer);
      }
    },
  };
}

export function createKyselyStore(options: KyselyStoreOptions): Store {
  const { db, epoch, now } = options;
  const log: EventLogOptions = { epoch, now, pruneEvery: options.pruneEvery ?? 256, eventLogMaxPerTopic: options.eventLogMaxPerTopic };
  const write = createWriter(options);

  // A snapshot for reads: PostgreSQL's default (read committed) would let a later statement of the
  // same transaction see commits the first did not.
  const snapshot = () => (options.dialect === 'postgres' ? db.transaction().setIsolationLevel('repeatable read') : db.transaction());

  const work = createInFlight();
  return {
    epoch,
    dialect: options.dialect,
    write: (fn) => work.track(write((trx) => fn(createStoreTx(trx, log)))),
    read: (fn) => work.track(snapshot().execute((trx) => fn(createStoreTx(trx, log)))),
    eventsAfter: (topic, after, limit, upto) => work.track(snapshot().execute((trx) => readEvents(trx, epoch, topic, after, limit, upto))),
    heads: () => readHeads(db),
    pruneEvents: (maxPerTopic, olderThan) => work.track(db.transaction().execute((trx) => pruneEvents(trx, maxPerTopic, olderThan))),
    eventCount: () => countEvents(db),
    // Writes and reads already begun finish first (a request whose client hung up during a
    // graceful stop still commits), then the connections go.
    async close() {
      await work.settled(CLOSE_WAIT_MS);
      await db.destroy();
    },
  };
}
