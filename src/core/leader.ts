/**
 * One job runner per database. The job runner assumes it is alone: at start it fails the jobs a
 * previous process left `running`. With several instances (or workers) exactly one of them, the
 * leader, runs jobs; the others only record them. Leadership comes from an `Election` (a
 * PostgreSQL advisory lock, the cluster primary's choice, or always for one process); when the
 * leader goes away another instance takes over within `retryMs` and starts a fresh runner.
 */
import type { TopicEvent } from '../store/types.js';
import type { Election } from '../shared/election.js';
import type { Logger } from '../shared/logger.js';

/** The part of the job runner the gate drives. */
export interface LedRunner {
  start(): Promise<void>;
  enqueue(id: string): void;
  close(): Promise<void>;
}

export interface RunnerGate {
  /** Queues a pending job when this process leads; otherwise the leader picks it up from its event. */
  enqueue(id: string): void;
  /** Every committed event, in order: the leader queues jobs created on other instances. */
  observe(event: TopicEvent): void;
  isLeader(): boolean;
  close(): Promise<void>;
}

export interface RunnerGateOptions {
  readonly election: Election;
  readonly create: () => LedRunner;
  /** Topic and action of a job's creation event, whose `data.id` is the job id. */
  readonly jobsTopic: string;
  readonly retryMs: number;
  readonly logger: Logger;
}

/** Starts campaigning at once; resolves after the first attempt, so a lone process runs jobs immediately. */
export async function createRunnerGate(options: RunnerGateOptions): Promise<RunnerGate> {
  const { election, logger } = options;
  let runner: LedRunner | undefined;
  let closed = false;
  let busy: Promise<void> = Promise.resolve();

  async function campaign(): Promise<void> {
    if (closed) return;
    if (runner !== undefined) {
      if (await election.check().catch(() => false)) return;
      logger.warn({}, 'lost the job runner lock; another instance takes over');
      const stopping = runner;
      runner = undefined;
      await stopping.close();
      return;
    }
    if (!(await election.acquire().catch(() => false)) || closed) return;
    const fresh = options.create();
    runner = fresh;
    logger.info({}, 'this process runs the jobs (job runner leader)');
    await fresh.start();
  }

  const tick = (): void => {
    busy = busy.then(campaign).catch((err: unknown) => logger.error({ err }, 'job runner election failed'));
  };
  tick();
  await busy;
  const timer = setInterval(tick, options.retryMs);
  timer.unref();

  return {
    enqueue: (id) => runner?.enqueue(id),
    observe(event) {
      if (runner === undefined || event.topic !== options.jobsTopic || event.action !== 'created') return;
      const id = (event.data as { id?: unknown } | null)?.id;
      if (typeof id === 'string') runner.enqueue(id);
    },
    isLeader: () => runner !== undefined,
    async close() {
      closed = true;
      clearInterval(timer);
      await busy;
      await runner?.close();
      runner = undefined;
      await election.release().catch(() => undefined);
    },
  };
}
