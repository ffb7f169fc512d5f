/**
 * Job reads: each one a store snapshot, every job redacted (`publicJob`). `snapshot` is what a
 * subscriber to `jobs` gets first, with the log position it was read at.
 */
import { AppError } from '../shared/errors.js';
import { JOB_STATUSES, type Job, type JobOutputLine, type JobStatus, type JobTypeInfo, type Position } from '../protocol/index.js';
import type { Cursor, Store, StoredJob } from '../store/types.js';
import { isFinal, JOBS_TOPIC, publicJob } from './job-changes.js';
import type { JobTypeRegistry } from './job-types.js';

/** Most output lines `GET /api/v1/jobs/{id}` returns; page further with `/output?after=`. */
export const JOB_OUTPUT_PAGE = 1000;

export interface JobListQuery {
  readonly limit: number;
  readonly status?: JobStatus | undefined;
  readonly cursor?: Cursor | undefined;
}

export interface JobReads {
  list(query: JobListQuery): Promise<{ jobs: readonly Job[]; next: Cursor | null }>;
  /** The job with its first output lines (up to JOB_OUTPUT_PAGE). */
  get(id: string): Promise<Job & { output: readonly JobOutputLine[] }>;
  output(id: string, afterSeq: number, limit: number): Promise<readonly JobOutputLine[]>;
  /** Unfinished jobs and the newest `limit` jobs, newest first, with the `jobs` log position. */
  snapshot(limit: number): Promise<{ data: { jobs: readonly Job[] }; position: Position }>;
  /** Each type with its parameters' JSON Schema and where the page offers it. */
  types(): readonly JobTypeInfo[];
}

/** The stored job `id`, or not_found. */
export async function mustGetJob(tx: { jobs: { get(id: string): Promise<StoredJob | undefined> } }, id: string): Promise<StoredJob> {
  const job = await tx.jobs.get(id);
  if (job === undefined) throw new AppError('not_found', `job ${id} not found`);
  return job;
}

export function createJobReads(store: Store, registry: JobTypeRegistry): JobReads {
  return {
    async list(query) {
      const page = await store.read((tx) => tx.jobs.list(query));
      return { jobs: page.jobs.map(publicJob), next: page.next };
    },

    get: (id) =>
      store.read(async (tx) => {
        const job = publicJob(await mustGetJob(tx, id));
        return { ...job, output: await tx.jobs.output(id, 0, JOB_OUTPUT_PAGE) };
      }),

    output: (id, afterSeq, limit) =>
      store.read(async (tx) => {
        await mustGetJob(tx, id);
        return tx.jobs.output(id, afterSeq, limit);
      }),

    snapshot: (limit) =>
      store.read(async (tx) => {
        const unfinished = await tx.jobs.withStatus(JOB_STATUSES.filter((s) => !isFinal(s)));
        const recent = await tx.jobs.list({ limit });
        const byId = new Map<string, StoredJob>();
        for (const job of [...unfinished, ...recent.jobs]) byId.set(job.id, job);
        const key = (j: StoredJob): string => `${j.created_at} ${j.id}`;
        const jobs = [...byId.values()].sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : 0));
        return { data: { jobs: jobs.map(publicJob) }, position: await tx.position(JOBS_TOPIC) };
      }),

    types: () => [...registry.values()].map((t) => ({ name: t.name, description: t.description, parameters: t.parameters, actions: t.actions })),
  };
}
