/**
 * The event log on Kysely: `events` rows and each topic's `topic_heads` row (`head`, the last
 * offset given; `floor`, the last offset pruned). Offsets come from `topic_heads`, incremented
 * inside the writing transaction; the row lock (PostgreSQL) or the single writer (SQLite) makes
 * every topic's order total and gap-free.
 */
import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Position } from '../protocol/index.js';
import { prepared } from './prepared.js';
import type { Database, EventsTable } from './schema.js';
import type { EventRange, NewEvent, TopicEvent } from './types.js';

export type Db = Kysely<Database> | Transaction<Database>;

/** An events row as read back; PostgreSQL returns bigint columns as strings. */
type EventRow = Omit<Selectable<EventsTable>, 'seq'> & { seq: number | string };

/** What appending needs: the store's epoch and clock, and when and how far to prune by count. */
export interface EventLogOptions {
  readonly epoch: string;
  readonly now: () => Date;
  /** Appends between two count-based prunes of a topic's log. */
  readonly pruneEvery: number;
  readonly eventLogMaxPerTopic: number;
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

/** Deletes `topic`'s events up to `keepAfter` and raises its floor there; returns how many went. */
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

/** The topic's next offset: the row lock (PostgreSQL) or the single writer (SQLite) keeps offsets gap-free; a new topic starts at 1. */
const nextOffset = prepared({ topic: true }, (db, p: { topic: string }) =>
  db
    .insertInto('topic_heads')
    .values({ topic: p.topic, head: 1, floor: 0 })
    .onConflict((oc) => oc.column('topic').doUpdateSet({ head: sql`topic_heads.head + 1` }))
    .returning('head'),
);

const insertEvent = prepared(
  { topic: true, seq: true, type: true, action: true, audience: true, keys: true, data: true, created_at: true },
  (db, row: Insertable<EventsTable>) => db.insertInto('events').values(row),
);

/** Appends `event` inside the writing transaction `trx` with the topic's next offset. */
export async function appendEvent(trx: Db, event: NewEvent, log: EventLogOptions): Promise<TopicEvent> {
  const head = (await nextOffset(trx, { topic: event.topic })).rows[0]?.head;
  if (head === undefined) throw new Error(`no offset came back for topic ${event.topic}`);
  const offset = Number(head);
  const at = log.now().toISOString();
  const keys = event.keys && event.keys.length > 0 ? [...event.keys] : [];
  await insertEvent(trx, {
    topic: event.topic,
    seq: offset,
    type: event.type,
    action: event.action,
    audience: event.audience ?? null,
    keys: keys.length > 0 ? JSON.stringify(keys) : null,
    data: JSON.stringify(event.data),
    created_at: at,
  });
  if (offset % log.pruneEvery === 0) await pruneTopic(trx, event.topic, offset - log.eventLogMaxPerTopic);
  return { topic: event.topic, offset, epoch: log.epoch, type: event.type, action: event.action, data: event.data, audience: event.audience ?? null, keys, at };
}

/** The topic's last offset (0 before its first event). */
export async function readPosition(trx: Db, topic: string, epoch: string): Promise<Position> {
  const row = await trx.selectFrom('topic_heads').select('head').where('topic', '=', topic).executeTakeFirst();
  return { offset: row === undefined ? 0 : Number(row.head), epoch };
}

/** Up to `limit` events of `topic` after `after` (and up to `upto`), with the topic's floor and head; `trx` should be one snapshot. */
export async function readEvents(trx: Db, epoch: string, topic: string, after: number, limit: number, upto?: number): Promise<EventRange> {
  const bounds = await trx.selectFrom('topic_heads').select(['head', 'floor']).where('topic', '=', topic).executeTakeFirst();
  let query = trx.selectFrom('events').selectAll().where('topic', '=', topic).where('seq', '>', after);
  if (upto !== undefined) query = query.where('seq', '<=', upto);
  const rows = await query.orderBy('seq').limit(limit).execute();
  return {
    floor: bounds === undefined ? 0 : Number(bounds.floor),
    head: bounds === undefined ? 0 : Number(bounds.head),
    events: rows.map((row) => toEvent(row, epoch)),
  };
}

/** Every topic's last offset. */
export async function readHeads(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom('topic_heads').select(['topic', 'head']).execute();
  return new Map(rows.map((r) => [r.topic, Number(r.head)]));
}

/** Drops events beyond `maxPerTopic` per topic or older than `olderThan`; returns how many went. */
export async function pruneEvents(trx: Db, maxPerTopic: number, olderThan: string): Promise<number> {
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
}

/** How many events the log holds, all topics together. */
export async function countEvents(db: Db): Promise<number> {
  const row = await db
    .selectFrom('events')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
