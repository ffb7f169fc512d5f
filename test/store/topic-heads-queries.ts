/** Prepared queries on a bare `topic_heads` table, shared by the prepared-query tests. */
import { sql } from 'kysely';
import { prepared } from '../../src/store/prepared.js';

export const upsertHead = prepared({ topic: true }, (db, p: { topic: string }) =>
  db
    .insertInto('topic_heads')
    .values({ topic: p.topic, head: 1, floor: 0 })
    .onConflict((oc) => oc.column('topic').doUpdateSet({ head: sql`topic_heads.head + 1` }))
    .returning('head'),
);
export const selectHead = prepared({ topic: true }, (db, p: { topic: string }) =>
  db.selectFrom('topic_heads').select(['topic', 'head', 'floor']).where('topic', '=', p.topic),
);
export const setFloor = prepared({ topic: true, floor: true }, (db, p: { topic: string; floor: number }) =>
  db.updateTable('topic_heads').set({ floor: p.floor }).where('topic', '=', p.topic),
);
