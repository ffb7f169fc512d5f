/**
 * The Store on Kysely: one code path for SQLite and PostgreSQL. Offsets come from `topic_heads`,
 * incremented inside the writing transaction; the row lock (PostgreSQL) or the single writer
 * (SQLite) makes every topic's order total and gap-free.
 */
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Position } from '../protocol/index.js';
import { createGroupCommit } from './group-commit.js';
import { createInventoryRepo } from './inventory-repo.js';
import { createJobRepo } from './jobs-repo.js';
import { createNotificationRepo } from './notifications-repo.js';
import type { Database, EventsTable } from './schema.js';
import type { EventRange, IdempotencyRepo, NewEvent, SessionRepo, Store, StoreTx, TopicEvent } from './types.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Advisory lock key of the PostgreSQL write lock ("aether-v write" → an arbitrary fixed int8). */
const WRITE_LOCK_KEY = 0x61657468_7772;

/** An events row as read back; PostgreSQL returns bigint columns as strings. */
type EventRow = Omit<Selectable<EventsTable>, 'seq'> & { seq: number | string };

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

function toEvent(row: EventRow, epoch: string): TopicEvent {
  return {
    topic: row.topic,
    offset: Number(row.seq),
    epoch,
    type: row.type,
    action: row.action,
    data: JSON.parse(row.data) as unknown,
    audience: row.audience,
    keys: row.keys === null ? [] : (JSON.parse(row.keys) as string[]),
    at: row.created_at,
  };
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
  };
}

async function pruneTopic(db: Db, topic: string, keepAfter: number): Promise<number> {
  if (keepAfter <= 0) return 0;
  const result = await db.deleteFrom('events').where('topic', '=', topic).where('seq', '<=', keepAfter).executeTakeFirst();
  await db
    .updateTable('topic_heads')
    .set({ floor: sql`case when floor < ${keepAfter} then ${keepAfter} else floor end` })
    .where('topic', '=', topic)
    .execute();
  return Number(result.numDeletedRows);
}

export function createKyselyStore(options: KyselyStoreOptions): Store {
  const { db, epoch, now } = options;
  const pruneEvery = options.pruneEvery ?? 256;

  function makeTx(trx: Db): StoreTx {
    return {
      notifications: createNotificationRepo(trx),
      inventory: createInventoryRepo(trx),
      jobs: createJobRepo(trx),
      idempotency: createIdempotencyRepo(trx),
      sessions: createSessionRepo(trx),
      async appendEvent(event: NewEvent): Promise<TopicEvent> {
        // One statement takes the next offset: the row lock (PostgreSQL) or the single writer
        // (SQLite) keeps offsets gap-free; a new topic starts at 1.
        const { head } = await trx
          .insertInto('topic_heads')
          .values({ topic: event.topic, head: 1, floor: 0 })
          .onConflict((oc) => oc.column('topic').doUpdateSet({ head: sql`topic_heads.head + 1` }))
          .returning('head')
          .executeTakeFirstOrThrow();
        const offset = Number(head);
        const at = now().toISOString();
        const keys = event.keys && event.keys.length > 0 ? [...event.keys] : [];
        await trx
          .insertInto('events')
          .values({
            topic: event.topic,
            seq: offset,
            type: event.type,
            action: event.action,
            audience: event.audience ?? null,
            keys: keys.length > 0 ? JSON.stringify(keys) : null,
            data: JSON.stringify(event.data),
            created_at: at,
          })
          .execute();
        if (offset % pruneEvery === 0) await pruneTopic(trx, event.topic, offset - options.eventLogMaxPerTopic);
        return { topic: event.topic, offset, epoch, type: event.type, action: event.action, data: event.data, audience: event.audience ?? null, keys, at };
      },
      async position(topic: string): Promise<Position> {
        const row = await trx.selectFrom('topic_heads').select('head').where('topic', '=', topic).executeTakeFirst();
        return { offset: row === undefined ? 0 : Number(row.head), epoch };
      },
    };
  }

  const write = createGroupCommit<Db>({
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
      await sql.raw(statement).execute(trx);
    },
  });

  // A snapshot for reads: PostgreSQL's default (read committed) would let a later statement of the
  // same transaction see commits the first did not.
  const snapshot = () => (options.dialect === 'postgres' ? db.transaction().setIsolationLevel('repeatable read') : db.transaction());

  return {
    epoch,
    dialect: options.dialect,
    write: (fn) => write((trx) => fn(makeTx(trx))),
    read: (fn) => snapshot().execute((trx) => fn(makeTx(trx))),

    async eventsAfter(topic, after, limit, upto): Promise<EventRange> {
      return snapshot().execute(async (trx) => {
        const bounds = await trx.selectFrom('topic_heads').select(['head', 'floor']).where('topic', '=', topic).executeTakeFirst();
        let query = trx.selectFrom('events').selectAll().where('topic', '=', topic).where('seq', '>', after);
        if (upto !== undefined) query = query.where('seq', '<=', upto);
        const rows = await query.orderBy('seq').limit(limit).execute();
        return {
          floor: bounds === undefined ? 0 : Number(bounds.floor),
          head: bounds === undefined ? 0 : Number(bounds.head),
          events: rows.map((row) => toEvent(row, epoch)),
        };
      });
    },

    async heads() {
      const rows = await db.selectFrom('topic_heads').select(['topic', 'head']).execute();
      return new Map(rows.map((r) => [r.topic, Number(r.head)]));
    },

    async pruneEvents(maxPerTopic, olderThan) {
      return db.transaction().execute(async (trx) => {
        let pruned = 0;
        const heads = await trx.selectFrom('topic_heads').select(['topic', 'head']).execute();
        for (const { topic, head } of heads) {
          const aged = await trx
            .selectFrom('events')
            .select((eb) => eb.fn.max('seq').as('seq'))
            .where('topic', '=', topic)
            .where('created_at', '<', olderThan)
            .executeTakeFirst();
          const byAge = aged?.seq === null || aged?.seq === undefined ? 0 : Number(aged.seq);
          pruned += await pruneTopic(trx, topic, Math.max(Number(head) - maxPerTopic, byAge));
        }
        return pruned;
      });
    },

    async eventCount() {
      const row = await db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    close: () => db.destroy(),
  };
}
