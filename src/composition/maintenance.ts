/**
 * The timers that keep the store in shape: the retention sweep (notifications, jobs, the event
 * log; the hub drops its shared reads when the log was pruned), the session sweep (ended sessions
 * close their sockets everywhere) and the stale-host check (hosts that stopped reporting are marked
 * disconnected) and the snooze sweep (snoozes that ended come back, as an `unsnoozed` event through
 * the log, on every instance; run by the elected process only, and each snooze is cleared in the
 * transaction that reports it, so it comes back once even when two sweeps meet). The first
 * retention sweep runs before `startMaintenance` resolves.
 */
import type { Config } from '../config.js';
import type { Hub } from '../core/index.js';
import type { InventoryService } from '../services/inventory.js';
import type { JobService } from '../services/jobs.js';
import type { NotificationService } from '../services/notifications.js';
import type { Logger } from '../shared/logger.js';
import type { Store } from '../store/types.js';

const SESSION_SWEEP_INTERVAL_MS = 15_000;
/** How often ended snoozes are looked for: a snooze comes back at most this late. */
export const SNOOZE_SWEEP_INTERVAL_MS = 1_000;

export interface MaintenanceDeps {
  readonly config: Pick<Config, 'retention' | 'jobs'>;
  readonly store: Store;
  readonly hub: Hub;
  readonly notifications: NotificationService;
  readonly jobs: JobService;
  readonly inventory: InventoryService;
  /** Ends idle and expired sessions, returning their ids (absent in dev mode). */
  readonly sweepSessions: (() => Promise<readonly string[]>) | undefined;
  /** Closes an ended session's sockets on every instance. */
  readonly revoke: (sessionId: string, reason: string) => void;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Whether this process is the elected one (the job runner's election); the snooze sweep runs there. */
  readonly isLeader?: () => boolean;
}

/** Runs `task` every `intervalMs` (unref'd), logging failures. */
function every(intervalMs: number, task: () => Promise<unknown>, logger: Logger, what: string): NodeJS.Timeout {
  const timer = setInterval(() => void task().catch((err: unknown) => logger.error({ err }, `${what} failed`)), intervalMs);
  timer.unref();
  return timer;
}

export async function startMaintenance(deps: MaintenanceDeps): Promise<{ close(): void }> {
  const { config, store, hub, logger, now } = deps;
  const ago = (ms: number): string => new Date(now().getTime() - ms).toISOString();

  const sweep = async (): Promise<void> => {
    await deps.notifications.sweep();
    const removedJobs = await deps.jobs.sweep(ago(config.jobs.retentionDays * 86_400_000));
    if (removedJobs > 0) logger.info({ removed: removedJobs }, 'job retention sweep');
    if ((await store.pruneEvents(config.retention.eventLogMaxPerTopic, ago(config.retention.eventLogMaxAgeHours * 3_600_000))) > 0) hub.pruned();
  };
  const timers = [every(config.retention.sweepIntervalMs, sweep, logger, 'retention sweep')];
  await sweep();

  const sweepSessions = deps.sweepSessions;
  if (sweepSessions !== undefined) {
    const endSessions = async (): Promise<void> => {
      for (const sessionId of await sweepSessions()) deps.revoke(sessionId, 'session ended; sign in again');
    };
    timers.push(every(SESSION_SWEEP_INTERVAL_MS, endSessions, logger, 'session sweep'));
  }

  const isLeader = deps.isLeader ?? (() => true);
  const endSnoozes = async (): Promise<void> => {
    if (isLeader()) await deps.notifications.endSnoozes();
  };
  timers.push(every(SNOOZE_SWEEP_INTERVAL_MS, endSnoozes, logger, 'snooze sweep'));

  const staleAfterMs = config.jobs.hostStaleAfterMs;
  if (staleAfterMs > 0) {
    const markStale = async (): Promise<void> => {
      const ids = await deps.inventory.markStale(ago(staleAfterMs));
      if (ids.length > 0) logger.warn({ hosts: ids }, 'hosts stopped reporting; marked disconnected');
    };
    timers.push(every(Math.max(50, Math.min(10_000, Math.floor(staleAfterMs / 2))), markStale, logger, 'stale host check'));
  }
  return {
    close() {
      for (const timer of timers) clearInterval(timer);
    },
  };
}
