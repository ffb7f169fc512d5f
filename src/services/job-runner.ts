/**
 * Runs jobs in this process. Every `tickMs` each active job takes one step of its plan; a step is
 * one transaction (progress, output, inventory changes, events) that first re-reads the job, so a
 * cancel committed in between wins. A step that throws rolls back whole and the job is marked
 * failed in a second transaction. Completion and failure raise a notification about the job, in the
 * transaction that completes or fails it.
 *
 * At start, jobs left `running` by a previous process are failed ("interrupted") and `pending`
 * ones are queued again. One runner per database: scale-out must elect a single runner.
 */
import type { Logger } from '../shared/logger.js';
import type { StoredJob } from '../store/types.js';
import type { InventoryMutations, Notify, ResolveCondition } from './inventory.js';
import { jobFailedKey } from './job-condition.js';
import { JobFailure, jobTypeOf, type JobStep, type JobTypeRegistry } from './job-types.js';
import { changeJob, isFinal } from './jobs.js';
import type { Writer } from './tx.js';

export interface JobRunnerOptions {
  readonly write: Writer;
  readonly registry: JobTypeRegistry;
  readonly inventory: InventoryMutations;
  readonly notify: Notify;
  /** Resolves a job's failure condition when a job of the same type and parameters completes. */
  readonly resolve?: ResolveCondition;
  readonly tickMs: number;
  readonly logger: Logger;
  readonly now?: () => Date;
}

export interface JobRunner {
  /** Recovers jobs a previous process left unfinished and starts ticking. */
  start(): Promise<void>;
  /** Queues a pending job. */
  enqueue(id: string): void;
  /** Jobs queued or running in this process. */
  readonly active: number;
  /** Stops ticking and waits for the step in flight. */
  close(): Promise<void>;
}

interface Active {
  readonly id: string;
  plan: readonly JobStep[] | undefined;
  next: number;
}

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const { write, registry, logger, tickMs } = options;
  const now = options.now ?? (() => new Date());
  const active = new Map<string, Active>();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let closed = false;

  function schedule(): void {
    if (closed || timer !== undefined || active.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      inFlight = tick().finally(schedule);
    }, tickMs);
  }

  async function tick(): Promise<void> {
    for (const job of [...active.values()]) {
      if (closed) return;
      try {
        await step(job);
      } catch (err) {
        await fail(job, err);
      }
    }
  }

  /** Runs the next step of `job` in one transaction; returns with the job dropped when it is no longer running. */
  async function step(job: Active): Promise<void> {
    const finished = await write(async (ctx) => {
      const stored = await ctx.tx.jobs.get(job.id);
      if (stored === undefined || isFinal(stored.status)) return undefined;
      const at = now().toISOString();
      const type = jobTypeOf(registry, stored.type);
      if (stored.status === 'pending' || job.plan === undefined) {
        job.plan = type.plan(stored.raw_parameters, tickMs);
        job.next = 0;
        if (stored.status === 'pending') {
          await changeJob(ctx, stored, { status: 'running', started_at: at, progress: 0 }, [`Started ${type.title(stored.raw_parameters)}`], at);
          return null;
        }
      }
      const current = job.plan[job.next];
      if (current === undefined) return finish(ctx, stored, [], at);
      const lines = [...(current.output ?? [])];
      await current.apply?.({ ctx, inventory: options.inventory, log: (line) => void lines.push(line) });
      job.next += 1;
      if (job.next >= job.plan.length) return finish(ctx, stored, lines, at);
      await changeJob(ctx, stored, { progress: Math.min(99, Math.max(stored.progress, current.progress)) }, lines, at);
      return null;
    });
    if (finished !== null) active.delete(job.id);
  }

  async function finish(ctx: Parameters<Parameters<Writer>[0]>[0], stored: StoredJob, lines: string[], at: string): Promise<StoredJob> {
    const title = jobTypeOf(registry, stored.type).title(stored.raw_parameters);
    const done = await changeJob(ctx, stored, { status: 'completed', progress: 100, finished_at: at }, [...lines, 'Completed'], at);
    await options.resolve?.(ctx, jobFailedKey(stored.type, stored.raw_parameters));
    await options.notify(ctx, {
      title: `Job completed: ${title}`,
      message: `${title} completed.`,
      level: 'success',
      category: 'job',
      related_entity: { type: 'job', id: stored.id, name: title },
    });
    logger.info({ jobId: stored.id, type: stored.type }, 'job completed');
    return done;
  }

  async function fail(job: Active, err: unknown): Promise<void> {
    active.delete(job.id);
    const reason = err instanceof JobFailure ? err.message : 'internal error';
    if (!(err instanceof JobFailure)) logger.error({ err, jobId: job.id }, 'job step failed');
    await write(async (ctx) => {
      const stored = await ctx.tx.jobs.get(job.id);
      if (stored === undefined || isFinal(stored.status)) return;
      const at = now().toISOString();
      const title = jobTypeOf(registry, stored.type).title(stored.raw_parameters);
      await changeJob(ctx, stored, { status: 'failed', finished_at: at, error: reason }, [`Failed: ${reason}`], at);
      await options.notify(ctx, {
        title: `Job failed: ${title}`,
        message: `${title} failed: ${reason}`,
        level: 'error',
        category: 'job',
        related_entity: { type: 'job', id: stored.id, name: title },
        condition_key: jobFailedKey(stored.type, stored.raw_parameters),
      });
      logger.info({ jobId: stored.id, type: stored.type }, 'job failed');
    }).catch((e: unknown) => logger.error({ err: e, jobId: job.id }, 'could not mark job failed'));
  }

  return {
    async start() {
      const { interrupted, pending } = await write(async (ctx) => {
        const running = await ctx.tx.jobs.withStatus(['running']);
        const at = now().toISOString();
        for (const job of running)
          await changeJob(ctx, job, { status: 'failed', finished_at: at, error: 'interrupted by a server restart' }, ['Interrupted by a server restart'], at);
        return { interrupted: running.length, pending: await ctx.tx.jobs.withStatus(['pending']) };
      });
      if (interrupted > 0) logger.warn({ count: interrupted }, 'jobs interrupted by a restart marked failed');
      for (const job of pending) this.enqueue(job.id);
    },
    enqueue(id) {
      if (closed || active.has(id)) return;
      active.set(id, { id, plan: undefined, next: 0 });
      schedule();
    },
    get active() {
      return active.size;
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await inFlight.catch(() => undefined);
    },
  };
}
