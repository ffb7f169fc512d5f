/**
 * The domain services over the store and the bus: notifications, inventory and jobs, writing
 * through one writer (services/tx.ts), and the job runner, which runs on the one process per
 * database that wins the election (core/leader.ts) and shows which one on /metrics.
 */
import type { Logger as PinoLogger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { Config } from '../config.js';
import { createRunnerGate, type RunnerGate } from '../core/index.js';
import { createInventoryService, type InventoryService, type Notify } from '../services/inventory.js';
import { createJobRunner } from '../services/job-runner.js';
import { builtinJobTypes } from '../services/job-types.js';
import { createJobService, JOBS_TOPIC, parseCreate, type JobService } from '../services/jobs.js';
import { createNotificationService, type NotificationService } from '../services/notifications.js';
import { createWriter, type WriteContext } from '../services/tx.js';
import { jobRunnerElection } from '../wiring.js';
import type { StoreAndBus } from './store-and-bus.js';

const LEADER_RETRY_MS = 2_000;

export interface Services {
  readonly notifications: NotificationService;
  readonly inventory: InventoryService;
  readonly jobs: JobService;
  /** Runs the jobs where this process was elected; it observes every delivered event. */
  readonly runner: RunnerGate;
  /** Stops the job runner (the services themselves hold nothing open). */
  close(): Promise<void>;
}

export interface ServicesDeps {
  readonly config: Config;
  readonly parts: StoreAndBus;
  /** Where the runner's leader gauge (`aether_job_runner_leader`) is registered. */
  readonly metrics: Registry;
  readonly logger: PinoLogger;
  readonly now: () => Date;
}

export async function createServices(deps: ServicesDeps): Promise<Services> {
  const { config, logger, now } = deps;
  const { store, bus } = deps.parts;
  const notifications = createNotificationService({
    store,
    bus,
    logger,
    now,
    retention: { maxCount: config.retention.notificationsMaxCount, maxAgeDays: config.retention.notificationsMaxAgeDays },
    // A job action is checked as its job's create would be (called only after `registry` exists).
    checkJob: (type, parameters) => void parseCreate(registry, { type, parameters }),
  });
  const write = createWriter(store, bus);
  const notify: Notify = (ctx, input) => notifications.raise(ctx, input);
  const resolve = (ctx: WriteContext, key: string) => notifications.resolveIn(ctx, key);
  const inventory = createInventoryService({ store, write, notify, resolve, now });
  const registry = builtinJobTypes();
  // One runner per database, on the elected process (see core/leader.ts).
  const runner = await createRunnerGate({
    election: await jobRunnerElection(config),
    create: () => createJobRunner({ write, registry, inventory: inventory.mutations, notify, resolve, tickMs: config.jobs.tickMs, logger, now }),
    jobsTopic: JOBS_TOPIC,
    retryMs: LEADER_RETRY_MS,
    logger,
  });
  const jobs = createJobService({ store, write, registry, now, onCreated: (id) => runner.enqueue(id) });
  registerLeaderGauge(deps.metrics, runner);
  return { notifications, inventory, jobs, runner, close: () => runner.close() };
}

function registerLeaderGauge(registry: Registry, runner: RunnerGate): void {
  new Gauge({
    name: 'aether_job_runner_leader',
    help: '1 when this process runs the jobs (one process per database does)',
    registers: [registry],
    collect() {
      this.set(runner.isLeader() ? 1 : 0);
    },
  });
}
