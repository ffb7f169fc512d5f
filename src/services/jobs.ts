/**
 * Jobs: creation, listing, cancellation and the state changes the runner makes. Every change
 * bumps the job's `version` and appends `job` events on topic `jobs` with key `jobs:<id>`, in the
 * transaction of the change:
 *
 * - `created` / `updated`: `{id, version, changes, job}` (changed fields, then the whole job);
 * - `output`: `{id, lines: [{seq, text, at}]}` for lines appended by the same write, sent just
 *   before that write's `updated`;
 * - `deleted`: `{id, version, reason: "retention"}` when a finished job passes JOB_RETENTION_DAYS.
 *
 * Parameters named like secrets are stored as given and replaced by "[REDACTED]" in every
 * response and event (`publicJob`).
 */
import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../shared/errors.js';
import {
  JOB_FINAL_STATUSES,
  JOB_STATUSES,
  type Job,
  type JobChangeData,
  type JobDeletedData,
  type JobOutputData,
  type JobOutputLine,
  type JobStatus,
  type Position,
} from '../protocol/index.js';
import type { Cursor, Store, StoredJob } from '../store/types.js';
import { jobTypeOf, type JobTypeRegistry } from './job-types.js';
import { redactParameters } from './secrets.js';
import { changedFields, type WriteContext, type Writer } from './tx.js';
import { createChecker, isRecord } from './validate.js';

export const JOBS_TOPIC = 'jobs';
export const JOB_PARAMETERS_MAX_BYTES = 16 * 1024;
/** Most output lines `GET /api/v1/jobs/{id}` returns; page further with `/output?after=`. */
export const JOB_OUTPUT_PAGE = 1000;

/** The job as readers see it: parameters redacted. */
export function publicJob(job: StoredJob): Job {
  const { raw_parameters, ...rest } = job;
  return { ...rest, parameters: redactParameters(raw_parameters) };
}

export function isFinal(status: JobStatus): boolean {
  return JOB_FINAL_STATUSES.includes(status);
}

/**
 * Writes `patch` and appends `lines` to a job, bumping its version once, and emits `output` (when
 * there are lines) and then `updated` (when a field other than the output count changed), so a
 * client has every line of a job by the time it sees the job finished.
 */
export async function changeJob(
  ctx: WriteContext,
  before: StoredJob,
  patch: Partial<Omit<StoredJob, 'id' | 'version'>>,
  lines: readonly string[],
  at: string,
): Promise<StoredJob> {
  const numbered: JobOutputLine[] = lines.map((text, i) => ({ seq: before.output_count + i + 1, text, at }));
  const after: StoredJob = { ...before, ...patch, output_count: before.output_count + numbered.length, version: before.version + 1, updated_at: at };
  await ctx.tx.jobs.update(after);
  await ctx.tx.jobs.appendOutput(after.id, numbered);
  const changes = changedFields(publicJob(before), publicJob(after));
  const keys = [`${JOBS_TOPIC}:${after.id}`];
  if (numbered.length > 0) {
    const data: JobOutputData = { id: after.id, lines: numbered };
    await ctx.emit({ topic: JOBS_TOPIC, type: 'job', action: 'output', data, keys });
  }
  if (Object.keys(changes).some((k) => k !== 'output_count')) {
    const data: JobChangeData = { id: after.id, version: after.version, changes, job: publicJob(after) };
    await ctx.emit({ topic: JOBS_TOPIC, type: 'job', action: 'updated', data, keys });
  }
  return after;
}

export interface JobListQuery {
  readonly limit: number;
  readonly status?: JobStatus | undefined;
  readonly cursor?: Cursor | undefined;
}

export interface JobService {
  /**
   * Validates `{type, parameters}` from unknown and creates a pending job; the runner starts it.
   * With an idempotency key, a repeat by the same principal returns the first job (`replayed`).
   */
  create(input: unknown, principal: Principal, idempotencyKey?: string): Promise<{ job: Job; replayed: boolean }>;
  list(query: JobListQuery): Promise<{ jobs: readonly Job[]; next: Cursor | null }>;
  /** The job with its first output lines (up to JOB_OUTPUT_PAGE). */
  get(id: string): Promise<Job & { output: readonly JobOutputLine[] }>;
  output(id: string, afterSeq: number, limit: number): Promise<readonly JobOutputLine[]>;
  /** Cancels a pending or running job; 409 when it already finished. */
  cancel(id: string, principal: Principal): Promise<Job>;
  /** Unfinished jobs and the newest `limit` jobs, newest first, with the `jobs` log position. */
  snapshot(limit: number): Promise<{ data: { jobs: readonly Job[] }; position: Position }>;
  types(): readonly { name: string; description: string }[];
  /** Deletes jobs finished before `cutoff` (ISO), pushing `deleted`; returns how many. */
  sweep(cutoff: string): Promise<number>;
}

export interface JobServiceOptions {
  readonly store: Store;
  readonly write: Writer;
  readonly registry: JobTypeRegistry;
  /** Called after a job's creation committed (the runner's `enqueue`). */
  readonly onCreated: (id: string) => void;
  readonly now?: () => Date;
}

function parseCreate(registry: JobTypeRegistry, input: unknown): { type: string; parameters: Record<string, unknown> } {
  const check = createChecker();
  if (!isRecord(input)) {
    check.errors.push({ field: 'body', message: 'must be a JSON object' });
    check.done();
  }
  const b = input as Record<string, unknown>;
  for (const key of Object.keys(b)) if (key !== 'type' && key !== 'parameters') check.errors.push({ field: key, message: 'is not a known field' });
  const type = check.string('type', b.type, { max: 64 });
  const parameters = check.object('parameters', b.parameters, JOB_PARAMETERS_MAX_BYTES) ?? {};
  check.done();
  const jobType = jobTypeOf(registry, type as string);
  jobType.validate(parameters, check);
  check.done();
  return { type: jobType.name, parameters };
}

export function createJobService(options: JobServiceOptions): JobService {
  const { store, write, registry } = options;
  const now = options.now ?? (() => new Date());

  async function mustGet(tx: { jobs: { get(id: string): Promise<StoredJob | undefined> } }, id: string): Promise<StoredJob> {
    const job = await tx.jobs.get(id);
    if (job === undefined) throw new AppError('not_found', `job ${id} not found`);
    return job;
  }

  return {
    async create(input, principal, idempotencyKey) {
      const { type, parameters } = parseCreate(registry, input);
      const result = await write(async (ctx) => {
        const scope = `jobs:${principal.id}`;
        if (idempotencyKey !== undefined) {
          const previous = await ctx.tx.idempotency.get(scope, idempotencyKey);
          if (previous !== undefined) return { job: JSON.parse(previous.body) as Job, replayed: true };
        }
        const at = now().toISOString();
        const stored: StoredJob = {
          id: randomUUID(),
          type,
          status: 'pending',
          progress: 0,
          raw_parameters: parameters,
          created_by: principal.id,
          created_at: at,
          started_at: null,
          finished_at: null,
          updated_at: at,
          error: null,
          output_count: 0,
          version: 1,
        };
        await ctx.tx.jobs.insert(stored);
        const visible = publicJob(stored);
        const data: JobChangeData = { id: stored.id, version: 1, changes: changedFields(undefined, visible), job: visible };
        await ctx.emit({ topic: JOBS_TOPIC, type: 'job', action: 'created', data, keys: [`${JOBS_TOPIC}:${stored.id}`] });
        if (idempotencyKey !== undefined) await ctx.tx.idempotency.put(scope, idempotencyKey, { status: 201, body: JSON.stringify(visible) }, at);
        return { job: visible, replayed: false };
      });
      if (!result.replayed) options.onCreated(result.job.id);
      return result;
    },

    async list(query) {
      const page = await store.read((tx) => tx.jobs.list(query));
      return { jobs: page.jobs.map(publicJob), next: page.next };
    },

    get: (id) =>
      store.read(async (tx) => {
        const job = publicJob(await mustGet(tx, id));
        return { ...job, output: await tx.jobs.output(id, 0, JOB_OUTPUT_PAGE) };
      }),

    output: (id, afterSeq, limit) =>
      store.read(async (tx) => {
        await mustGet(tx, id);
        return tx.jobs.output(id, afterSeq, limit);
      }),

    async cancel(id, principal) {
      return write(async (ctx) => {
        const job = await mustGet(ctx.tx, id);
        if (isFinal(job.status)) throw new AppError('conflict', `job ${id} is already ${job.status}`);
        const at = now().toISOString();
        const after = await changeJob(
          ctx,
          job,
          { status: 'cancelled', finished_at: at, error: `cancelled by ${principal.name}` },
          [`Cancelled by ${principal.name}`],
          at,
        );
        return publicJob(after);
      });
    },

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

    types: () => [...registry.values()].map((t) => ({ name: t.name, description: t.description })),

    async sweep(cutoff) {
      let total = 0;
      for (;;) {
        const removed = await write(async (ctx) => {
          const old = await ctx.tx.jobs.finishedBefore(cutoff, 500);
          for (const job of old) {
            await ctx.tx.jobs.delete(job.id);
            const data: JobDeletedData = { id: job.id, version: job.version + 1, reason: 'retention' };
            await ctx.emit({ topic: JOBS_TOPIC, type: 'job', action: 'deleted', data, keys: [`${JOBS_TOPIC}:${job.id}`] });
          }
          return old.length;
        });
        total += removed;
        if (removed < 500) return total;
      }
    },
  };
}
