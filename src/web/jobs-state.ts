/**
 * The jobs the page renders, newest first, and the output lines of the one job that is open.
 * Pure state: replaced by a snapshot (`initial_state.data.jobs` or REST), changed by `job` events
 * applied only when their version is newer than the one held; output lines merged by `seq`, so a
 * REST page and live `output` events may arrive in any order and overlap.
 */
import type { Job, JobOutputLine } from '../protocol/index.js';

export interface JobsState {
  /** Newest first (created_at, then id). */
  readonly jobs: readonly Job[];
  readonly loaded: boolean;
  /** The open job's id, or null. */
  readonly openId: string | null;
  /** The open job's output lines by ascending `seq`, without duplicates. */
  readonly lines: readonly JobOutputLine[];
}

export interface JobsStore {
  state(): JobsState;
  get(id: string): Job | undefined;
  onChange(listener: () => void): void;
  replace(jobs: readonly Job[]): void;
  /** A `created`/`updated` event, or a job read over REST: kept when newer than the held one. */
  put(job: Job): boolean;
  /** A `deleted` event. */
  remove(id: string, version: number): boolean;
  /** Opens a job (null closes): its lines are cleared and collected from now on. */
  open(id: string | null): void;
  /** Output lines of job `id` (event or REST page); ignored unless that job is open. */
  addLines(id: string, lines: readonly JobOutputLine[]): void;
  /** The highest `seq` held for the open job (0 when none). */
  lastSeq(): number;
}

function newerFirst(a: Job, b: Job): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** `held` merged with `more`, by ascending seq, the first copy of each seq kept. */
export function mergeLines(held: readonly JobOutputLine[], more: readonly JobOutputLine[]): JobOutputLine[] {
  const last = held[held.length - 1]?.seq ?? 0;
  // The usual case: lines that follow on.
  if (more.every((l, i) => l.seq > last && (i === 0 || l.seq > (more[i - 1]?.seq ?? 0)))) return [...held, ...more];
  const bySeq = new Map(held.map((l) => [l.seq, l]));
  for (const line of more) if (!bySeq.has(line.seq)) bySeq.set(line.seq, line);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

export function createJobsStore(keepFinished = 100): JobsStore {
  let jobs = new Map<string, Job>();
  let sorted: Job[] = [];
  let loaded = false;
  let openId: string | null = null;
  let lines: JobOutputLine[] = [];
  const listeners: Array<() => void> = [];
  const changed = (): void => {
    sorted = [...jobs.values()].sort(newerFirst);
    // Keep the page bounded in a long demo: every unfinished job, and the newest finished ones.
    let finished = 0;
    sorted = sorted.filter((j) => {
      if (!isFinished(j) || j.id === openId || ++finished <= keepFinished) return true;
      jobs.delete(j.id);
      return false;
    });
    listeners.forEach((l) => l());
  };

  return {
    state: () => ({ jobs: sorted, loaded, openId, lines }),
    get: (id) => jobs.get(id),
    onChange: (listener) => void listeners.push(listener),
    replace(list) {
      jobs = new Map(list.map((j) => [j.id, j]));
      loaded = true;
      changed();
    },
    put(job) {
      const held = jobs.get(job.id);
      if (held !== undefined && job.version <= held.version) return false;
      jobs.set(job.id, job);
      changed();
      return true;
    },
    remove(id, version) {
      const held = jobs.get(id);
      if (held === undefined || version <= held.version) return false;
      jobs.delete(id);
      changed();
      return true;
    },
    open(id) {
      if (id === openId) return;
      openId = id;
      lines = [];
      changed();
    },
    addLines(id, more) {
      if (id !== openId || more.length === 0) return;
      const merged = mergeLines(lines, more);
      if (merged.length === lines.length) return;
      lines = merged;
      changed();
    },
    lastSeq: () => lines[lines.length - 1]?.seq ?? 0,
  };
}

const FINAL = new Set(['completed', 'failed', 'cancelled']);
export const isFinished = (job: Job): boolean => FINAL.has(job.status);

/** A short name for a job: its type and the parameters that say what it acts on. */
export function jobTitle(job: Job): string {
  const p = job.parameters;
  const s = (name: string): string => (typeof p[name] === 'string' ? (p[name] as string) : '?');
  switch (job.type) {
    case 'vm.start':
      return `Start VM ${s('host')}/${s('vm')}`;
    case 'vm.stop':
      return `Stop VM ${s('host')}/${s('vm')}`;
    case 'backup':
      return `Back up VM ${s('host')}/${s('vm')}`;
    case 'host.maintenance':
      return `${p.enable === false ? 'End' : 'Start'} maintenance on ${s('host')}`;
    case 'sleep':
      return `Sleep ${typeof p.duration_ms === 'number' ? p.duration_ms : 1000} ms`;
    case 'fail':
      return 'Failing job';
    default:
      return job.type;
  }
}
