/**
 * Jobs: creation, listing, cancellation and the state changes the runner makes. The service is
 * its reads (`job-reads.ts`) and here the commands: create (validated from unknown, idempotent
 * per principal and key), cancel and the retention sweep. Every change goes through
 * `job-changes.ts`, which says which events a change appends and how parameters are redacted.
 */
import { timeOrderedId } from '../shared/time-ordered-id.js';
import type { Principal } from '../auth/principal.js';
import { AppError } from '../shared/errors.js';
import { parameterErrors, type Job, type JobChangeData, type JobDeletedData } from '../protocol/index.js';
import type { Store, StoredJob } from '../store/types.js';
import { changeJob, isFinal, JOBS_TOPIC, publicJob } from './job-changes.js';
import { createJobReads, mustGetJob, type JobReads } from './job-reads.js';
import { jobTypeOf, type JobTypeRegistry } from './job-types.js';
import { changedFields, type WriteContext, type Writer } from './tx.js';
import { createChecker, isRecord } from './validate.js';

export { changeJob, isFinal, JOBS_TOPIC, publicJob } from './job-changes.js';
export { JOB_OUTPUT_PAGE, type JobListQuery } from './job-reads.js';

export const JOB_PARAMETERS_MAX_BYTES = 16 * 1024;

/** The jobs' writes from outside, validated from unknown. */
export interface JobCommands {
  /**
   * Validates `{type, parameters}` from unknown and creates a pending job; the runner starts it.
   * With an idempotency key, a repeat by the same principal returns the first job (`replayed`).
   */
  create(input: unknown, principal: Principal, idempotencyKey?: string): Promise<{ job: Job; replayed: boolean }>;
  /** Cancels a pending or running job; 409 when it already finished. */
  cancel(id: string, principal: Principal): Promise<Job>;
  /** Deletes jobs finished before `cutoff` (ISO), pushing `deleted`; returns how many. */
  sweep(cutoff: string): Promise<number>;
}

export interface JobService extends JobReads, JobCommands {}

export interface JobServiceOptions {
  readonly store: Store;
  readonly write: Writer;
  readonly registry: JobTypeRegistry;
  /** Called after a job's creation committed (the runner's `enqueue`). */
  readonly onCreated: (id: string) => void;
  readonly now?: () => Date;
}

export function parseCreate(registry: JobTypeRegistry, input: unknown): { type: string; parameters: Record<string, unknown> } {
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
  check.errors.push(...parameterErrors(jobType.parameters, parameters, 'parameters.'));
  check.done();
  return { type: jobType.name, parameters };
}

/** Inserts a new pending job and appends its `created` event; returns the job as readers see it. */
async function insertJob(ctx: WriteContext, type: string, parameters: Record<string, unknown>, principal: Principal, at: string): Promise<Job> {
  const stored: StoredJob = {
    id: timeOrderedId(), // UUIDv7, as notifications: new rows append to the id index
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
  return visible;
}

/** Deletes up to `batch` jobs finished before `cutoff`, each with its `deleted` event; returns how many. */
async function deleteFinished(ctx: WriteContext, cutoff: string, batch: number): Promise<number> {
  const old = await ctx.tx.jobs.finishedBefore(cutoff, batch);
  for (const job of old) {
    await ctx.tx.jobs.delete(job.id);
    const data: JobDeletedData = { id: job.id, version: job.version + 1, reason: 'retention' };
    await ctx.emit({ topic: JOBS_TOPIC, type: 'job', action: 'deleted', data, keys: [`${JOBS_TOPIC}:${job.id}`] });
  }
  return old.length;
}

const SWEEP_BATCH = 500;

function createJobCommands(options: JobServiceOptions, now: () => Date): JobCommands {
  const { write, registry } = options;
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
        const visible = await insertJob(ctx, type, parameters, principal, at);
        if (idempotencyKey !== undefined) await ctx.tx.idempotency.put(scope, idempotencyKey, { status: 201, body: JSON.stringify(visible) }, at);
        return { job: visible, replayed: false };
      });
      if (!result.replayed) options.onCreated(result.job.id);
      return result;
    },

    async cancel(id, principal) {
      return write(async (ctx) => {
        const job = await mustGetJob(ctx.tx, id);
        if (isFinal(job.status)) throw new AppError('conflict', `job ${id} is already ${job.status}`);
        const at = now().toISOString();
        const patch = { status: 'cancelled', finished_at: at, error: `cancelled by ${principal.name}` } as const;
        return publicJob(await changeJob(ctx, job, patch, [`Cancelled by ${principal.name}`], at));
      });
    },

    async sweep(cutoff) {
      let total = 0;
      for (;;) {
        const removed = await write((ctx) => deleteFinished(ctx, cutoff, SWEEP_BATCH));
        total += removed;
        if (removed < SWEEP_BATCH) return total;
      }
    },
  };
}

export function createJobService(options: JobServiceOptions): JobService {
  const now = options.now ?? (() => new Date());
  return { ...createJobReads(options.store, options.registry), ...createJobCommands(options, now) };
}
