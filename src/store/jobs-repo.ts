/** Job rows and their output lines, one code path for SQLite and PostgreSQL. */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { JobStatus } from '../protocol/index.js';
import type { Database, JobsTable } from './schema.js';
import type { JobRepo, StoredJob } from './types.js';

type Db = Kysely<Database> | Transaction<Database>;

function toStored(row: Selectable<JobsTable>): StoredJob {
  return {
    id: row.id,
    type: row.type,
    status: row.status as JobStatus,
    progress: Number(row.progress),
    raw_parameters: JSON.parse(row.parameters) as Record<string, unknown>,
    created_by: row.created_by,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: row.finished_at,
    updated_at: row.updated_at,
    error: row.error,
    output_count: Number(row.output_count),
    version: Number(row.version),
  };
}

function toRow(job: StoredJob): JobsTable {
  const { raw_parameters, ...rest } = job;
  return { ...rest, parameters: JSON.stringify(raw_parameters) };
}

export function createJobRepo(db: Db): JobRepo {
  return {
    async insert(job) {
      await db.insertInto('jobs').values(toRow(job)).execute();
    },
    async update(job) {
      // The id and creation time never change: left out of SET, SQLite leaves the primary key's and
      // jobs_created's index entries alone instead of rewriting them on every step.
      const { id, created_at: _created, ...fields } = toRow(job);
      await db.updateTable('jobs').set(fields).where('id', '=', id).execute();
    },
    async get(id) {
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toStored(row);
    },
    async list(q) {
      let query = db.selectFrom('jobs').selectAll();
      if (q.status !== undefined) query = query.where('status', '=', q.status);
      const cursor = q.cursor;
      if (cursor !== undefined) {
        query = query.where((eb) =>
          eb.or([eb('created_at', '<', cursor.createdAt), eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '<', cursor.id)])]),
        );
      }
      const rows = await query
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute();
      const page = rows.slice(0, q.limit).map(toStored);
      const last = page[page.length - 1];
      return { jobs: page, next: rows.length > q.limit && last !== undefined ? { createdAt: last.created_at, id: last.id } : null };
    },
    async withStatus(statuses) {
      if (statuses.length === 0) return [];
      const rows = await db
        .selectFrom('jobs')
        .selectAll()
        .where('status', 'in', [...statuses])
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toStored);
    },
    async finishedBefore(cutoff, limit) {
      const rows = await db
        .selectFrom('jobs')
        .selectAll()
        .where('finished_at', 'is not', null)
        .where('finished_at', '<', cutoff)
        .orderBy('finished_at')
        .limit(limit)
        .execute();
      return rows.map(toStored);
    },
    async delete(id) {
      await db.deleteFrom('job_output').where('job_id', '=', id).execute();
      await db.deleteFrom('jobs').where('id', '=', id).execute();
    },
    async appendOutput(jobId, lines) {
      if (lines.length === 0) return;
      await db
        .insertInto('job_output')
        .values(lines.map((l) => ({ job_id: jobId, seq: l.seq, text: l.text, created_at: l.at })))
        .execute();
    },
    async output(jobId, afterSeq, limit) {
      const rows = await db
        .selectFrom('job_output')
        .select(['seq', 'text', 'created_at'])
        .where('job_id', '=', jobId)
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ seq: Number(r.seq), text: r.text, at: r.created_at }));
    },
  };
}
