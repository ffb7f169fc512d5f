/**
 * What the panel's row tools do: archive / unarchive, snooze, run a job action (then follow the
 * job on its `jobs:<id>` topic, shown inline on the row until it finishes), and seen-on-open:
 * the notifications shown are marked seen in one request.
 */
import type { WsClient } from '../client/index.js';
import type { Job } from '../protocol/index.js';
import type { Inbox } from './inbox.js';
import type { InboxApi } from './inbox-api.js';
import { snoozeUntil, WRITER_ROLE, type RowContext } from './item-tools.js';
import type { RowOp } from './panel.js';

export interface InboxTools {
  /** What the row of notification `id` shows beyond the notification. */
  context(id: string): RowContext;
  run(op: RowOp): void;
  /** Marks the shown, not yet seen notifications seen (at most 100, one request). */
  markShownSeen(): void;
  /** Asks the server for the user's roles (job actions are disabled without the writer role). */
  loadRoles(): void;
}

const isFinished = (job: Job): boolean => job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';

export function createInboxTools(api: InboxApi, inbox: Inbox, client: WsClient, changed: () => void): InboxTools {
  let writer: boolean | undefined;
  /** Per notification: the job its action started, and the job's topic while followed. */
  const jobs = new Map<string, Job>();
  const errors = new Map<string, string>();
  let seenInFlight = false;
  const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

  /** A newer copy of a followed job (an event, or the snapshot `jobs:<id>` sends on subscribe). */
  function update(job: Job): void {
    for (const [id, held] of jobs) {
      if (held.id !== job.id || job.version <= held.version) continue;
      jobs.set(id, job);
      if (isFinished(job)) client.unsubscribe(`jobs:${held.id}`);
      changed();
    }
  }
  client.on('job', (m) => {
    const data = m.data as { job?: Job };
    if ((m.action === 'created' || m.action === 'updated') && data.job !== undefined) update(data.job);
  });
  // Events that beat the action's answer are in the topic's snapshot.
  client.on('initial_state', (m) => m.data.jobs?.forEach(update));

  function fail(id: string, what: string): (error: unknown) => void {
    return (error) => {
      errors.set(id, `${what} failed: ${message(error)}`);
      changed();
    };
  }

  function runAction(id: string, index: number): void {
    api.runAction(id, index).then(
      (job) => {
        const held = jobs.get(id);
        if (held !== undefined && held.id === job.id && held.version >= job.version) return;
        jobs.set(id, job);
        // The page may follow every job already; the entity topic keeps this one live regardless.
        if (!isFinished(job)) client.subscribe(`jobs:${job.id}`);
        changed();
      },
      fail(id, 'The action'),
    );
  }

  return {
    context: (id) => ({ writer, job: jobs.get(id), error: errors.get(id) }),
    run({ op, id, value }) {
      errors.delete(id);
      if (op === 'action') runAction(id, Number(value));
      else if (op === 'snooze') api.snooze(id, snoozeUntil(value, Date.now())).then(inbox.upsert, fail(id, 'Snoozing'));
      else api.archive(id, op === 'archive').then(inbox.upsert, fail(id, op === 'archive' ? 'Archiving' : 'Unarchiving'));
    },
    markShownSeen() {
      const ids = inbox
        .state()
        .items.filter((n) => n.seen !== true)
        .slice(0, 100)
        .map((n) => n.id);
      if (ids.length === 0 || seenInFlight) return;
      seenInFlight = true;
      api
        .seen(ids)
        .then((shown) => shown.forEach(inbox.upsert))
        .catch(() => undefined)
        .finally(() => (seenInFlight = false));
    },
    loadRoles() {
      api.roles().then(
        (roles) => {
          writer = roles === undefined ? undefined : roles.includes(WRITER_ROLE);
          changed();
        },
        () => undefined,
      );
    },
  };
}
