/**
 * A job's state changes and the events they append on topic `jobs` (key `jobs:<id>`), in the
 * transaction of the change; every change bumps the job's `version`:
 *
 * - `created` / `updated`: `{id, version, changes, job}` (changed fields, then the whole job);
 * - `output`: `{id, lines: [{seq, text, at}]}` for lines appended by the same write, sent just
 *   before that write's `updated`;
 * - `deleted`: `{id, version, reason: "retention"}` when a finished job passes JOB_RETENTION_DAYS.
 *
 * Parameters named like secrets are stored as given and replaced by "[REDACTED]" in every
 * response and event (`publicJob`).
 */
import { JOB_FINAL_STATUSES, type Job, type JobChangeData, type JobOutputData, type JobOutputLine, type JobStatus } from '../protocol/index.js';
import type { StoredJob } from '../store/types.js';
import { redactParameters } from './secrets.js';
import { changedFields, type WriteContext } from './tx.js';

export const JOBS_TOPIC = 'jobs';

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
