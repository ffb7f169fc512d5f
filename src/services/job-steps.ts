/**
 * What the job runner does to one job, each in one transaction: take the next step of its plan
 * (re-reading the job first, so a cancel committed in between wins), complete it, fail it, and at
 * start fail the jobs a previous process left `running`. Completion and failure raise a
 * notification about the job in the transaction that completes or fails it.
 */
import type { Logger } from '../shared/logger.js';
import type { StoredJob } from '../store/types.js';
import type { InventoryMutations, Notify, ResolveCondition } from './inventory-mutations.js';
import { jobFailedKey } from './job-condition.js';
import { changeJob, isFinal } from './job-changes.js';
import { JobFailure, jobTypeOf, type JobStep, type JobTypeRegistry } from './job-types.js';
import type { WriteContext, Writer } from './tx.js';

export interface JobStepDeps {
  readonly write: Writer;
  readonly registry: JobTypeRegistry;
  readonly inventory: InventoryMutations;
  readonly notify: Notify;
  /** Resolves a job's failure condition when a job of the same type and parameters completes. */
  readonly resolve?: ResolveCondition | undefined;
  readonly tickMs: number;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** A job this process runs: its plan (made at its first step here) and the index of its next step. */
export interface ActiveJob {
  readonly id: string;
  plan: readonly JobStep[] | undefined;
  next: number;
}

async function finishJob(deps: JobStepDeps, ctx: WriteContext, stored: StoredJob, lines: string[], at: string): Promise<StoredJob> {
  const title = jobTypeOf(deps.registry, stored.type).title(stored.raw_parameters);
  const done = await changeJob(ctx, stored, { status: 'completed', progress: 100, finished_at: at }, [...lines, 'Completed'], at);
  await deps.resolve?.(ctx, jobFailedKey(stored.type, stored.raw_parameters));
  await deps.notify(ctx, {
    title: `Job completed: ${title}`,
    message: `${title} completed.`,
    level: 'success',
    category: 'job',
    related_entity: { type: 'job', id: stored.id, name: title },
  });
  deps.logger.info({ jobId: stored.id, type: stored.type }, 'job completed');
  return done;
}

/**
 * Runs the next step of `job` in one transaction (a pending job's first step only starts it).
 * Returns true when the job is no longer running (finished here or elsewhere) and must be dropped.
 */
export async function runStep(deps: JobStepDeps, job: ActiveJob): Promise<boolean> {
  const finished = await deps.write(async (ctx) => {
    const stored = await ctx.tx.jobs.get(job.id);
    if (stored === undefined || isFinal(stored.status)) return undefined;
    const at = deps.now().toISOString();
    const type = jobTypeOf(deps.registry, stored.type);
    if (stored.status === 'pending' || job.plan === undefined) {
      job.plan = type.plan(stored.raw_parameters, deps.tickMs);
      job.next = 0;
      if (stored.status === 'pending') {
        await changeJob(ctx, stored, { status: 'running', started_at: at, progress: 0 }, [`Started ${type.title(stored.raw_parameters)}`], at);
        return null;
      }
    }
    const current = job.plan[job.next];
    if (current === undefined) return finishJob(deps, ctx, stored, [], at);
    const lines = [...(current.output ?? [])];
    await current.apply?.({ ctx, inventory: deps.inventory, log: (line) => void lines.push(line) });
    job.next += 1;
    if (job.next >= job.plan.length) return finishJob(deps, ctx, stored, lines, at);
    await changeJob(ctx, stored, { progress: Math.min(99, Math.max(stored.progress, current.progress)) }, lines, at);
    return null;
  });
  return finished !== null;
}

/** Marks job `id` failed after a step threw (a JobFailure's message is the reason); never rejects. */
export async function failJob(deps: JobStepDeps, id: string, err: unknown): Promise<void> {
  const { logger } = deps;
  const reason = err instanceof JobFailure ? err.message : 'internal error';
  if (!(err instanceof JobFailure)) logger.error({ err, jobId: id }, 'job step failed');
  await deps
    .write(async (ctx) => {
      const stored = await ctx.tx.jobs.get(id);
      if (stored === undefined || isFinal(stored.status)) return;
      const at = deps.now().toISOString();
      const title = jobTypeOf(deps.registry, stored.type).title(stored.raw_parameters);
      await changeJob(ctx, stored, { status: 'failed', finished_at: at, error: reason }, [`Failed: ${reason}`], at);
      await deps.notify(ctx, {
        title: `Job failed: ${title}`,
        message: `${title} failed: ${reason}`,
        level: 'error',
        category: 'job',
        related_entity: { type: 'job', id: stored.id, name: title },
        condition_key: jobFailedKey(stored.type, stored.raw_parameters),
      });
      logger.info({ jobId: stored.id, type: stored.type }, 'job failed');
    })
    .catch((e: unknown) => logger.error({ err: e, jobId: id }, 'could not mark job failed'));
}

/** Fails the jobs a previous process left `running` ("interrupted"); returns the ids of the `pending` ones to queue again. */
export async function recoverJobs(deps: JobStepDeps): Promise<string[]> {
  const { interrupted, pending } = await deps.write(async (ctx) => {
    const running = await ctx.tx.jobs.withStatus(['running']);
    const at = deps.now().toISOString();
    for (const job of running)
      await changeJob(ctx, job, { status: 'failed', finished_at: at, error: 'interrupted by a server restart' }, ['Interrupted by a server restart'], at);
    return { interrupted: running.length, pending: await ctx.tx.jobs.withStatus(['pending']) };
  });
  if (interrupted > 0) deps.logger.warn({ count: interrupted }, 'jobs interrupted by a restart marked failed');
  return pending.map((job) => job.id);
}
