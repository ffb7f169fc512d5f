/**
 * Runs jobs in this process. Every `tickMs` each active job takes one step of its plan; a step is
 * one transaction (progress, output, inventory changes, events) that first re-reads the job, so a
 * cancel committed in between wins. A step that throws rolls back whole and the job is marked
 * failed in a second transaction. Completion and failure raise a notification about the job, in the
 * transaction that completes or fails it. (The transactions are in `job-steps.ts`; here the queue
 * and the timer.)
 *
 * At start, jobs left `running` by a previous process are failed ("interrupted") and `pending`
 * ones are queued again. One runner per database: scale-out must elect a single runner.
 */
import { failJob, recoverJobs, runStep, type ActiveJob, type JobStepDeps } from './job-steps.js';

export interface JobRunnerOptions extends Omit<JobStepDeps, 'now'> {
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

export function createJobRunner(options: JobRunnerOptions): JobRunner {
  const deps: JobStepDeps = { ...options, now: options.now ?? (() => new Date()) };
  const active = new Map<string, ActiveJob>();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  let closed = false;

  function schedule(): void {
    if (closed || timer !== undefined || active.size === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      inFlight = tick().finally(schedule);
    }, options.tickMs);
  }

  async function tick(): Promise<void> {
    for (const job of [...active.values()]) {
      if (closed) return;
      try {
        if (await runStep(deps, job)) active.delete(job.id);
      } catch (err) {
        active.delete(job.id);
        await failJob(deps, job.id, err);
      }
    }
  }

  return {
    async start() {
      for (const id of await recoverJobs(deps)) this.enqueue(id);
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
