/**
 * Actions where the VM is: each inventory row gets the job types whose `actions` apply to its
 * state (VM) or status (host), as buttons. Only the writer role may press them: for anyone else
 * they are disabled, with the reason beside them. Destructive ones ask first. While a job started
 * on the row is unfinished, the row shows its live progress and a link to it. When someone else
 * started a job on the row within the last RECENT_JOB_MS, a warning says who, what and when (and
 * the buttons are described by it), so two operators do not restart the same VM at once.
 *
 * Each entity's cell is one element kept here across re-renders of its card, updated in place
 * only when what it shows changed.
 */
import type { Job, JobRowAction, JobTypeInfo } from '../protocol/index.js';
import { h } from './dom.js';
import { jobHref } from './router.js';
import { WRITER_ROLE } from './item-tools.js';
import { relativeTime } from './time.js';

/** How long a job someone else started on a row is worth a warning on its buttons. */
export const RECENT_JOB_MS = 10 * 60_000;

export interface RowTarget {
  readonly kind: 'vm' | 'host';
  /** The VM's `<host>/<name>` or the host's name. */
  readonly id: string;
  /** The VM's state or the host's status. */
  readonly state: string;
  readonly host: string;
  readonly vm?: string;
}

export interface RowActions {
  /** The cell for `target`, the same element every time for one id. */
  cell(target: RowTarget): HTMLElement;
  setTypes(types: readonly JobTypeInfo[]): void;
  /** Whether the signed-in user holds the writer role; undefined while unknown (buttons stay enabled, the API decides). */
  setRoles(roles: readonly string[] | undefined): void;
  /** The jobs now known; unfinished ones show on their row. */
  setJobs(jobs: readonly Job[]): void;
  /** Forgets the cells of entities no longer shown. */
  keepOnly(ids: ReadonlySet<string>): void;
  /** The signed-in user's id: their own jobs warn nobody. */
  setSelf(userId: string): void;
  /** Time passed: warnings age and expire. */
  tick(): void;
}

interface Cell {
  readonly element: HTMLElement;
  target: RowTarget;
  shown: string;
}

const rowOf = (job: Job): string | undefined => {
  const { host, vm } = job.parameters;
  if (typeof host !== 'string') return undefined;
  return typeof vm === 'string' ? `vm:${host}/${vm}` : job.type.startsWith('host.') ? `host:${host}` : undefined;
};

/** Per row, the newest job someone other than `self` created within RECENT_JOB_MS of `nowMs`. */
export function recentByOthers(jobs: readonly Job[], self: string | undefined, nowMs: number): Map<string, Job> {
  const recent = new Map<string, Job>();
  for (const job of jobs) {
    const row = rowOf(job);
    const age = nowMs - Date.parse(job.created_at);
    if (row === undefined || recent.has(row) || job.created_by === self || !(age < RECENT_JOB_MS)) continue;
    recent.set(row, job);
  }
  return recent;
}

function warningOf(other: Job | undefined, nowMs: number): string {
  return other === undefined ? '' : `${other.created_by} started ${other.type} here (${relativeTime(other.created_at, nowMs).toLowerCase()})`;
}

function progressLink(job: Job, id: string): HTMLElement {
  const bar = h('progress', { max: '100', value: String(job.progress), 'aria-label': `Progress of ${job.type} on ${id}` });
  return h('a', { class: 'row-job', href: jobHref(job.id) }, bar, ` ${job.progress}% ${job.type}`);
}

interface CellView {
  readonly target: RowTarget;
  readonly mine: readonly { type: string; action: JobRowAction }[];
  readonly writer: boolean | undefined;
  readonly job: Job | undefined;
  readonly error: string;
  readonly warning: string;
}

/** The buttons of a cell, then its notes: the warning, why the buttons are disabled, the running job, the last error. */
function cellParts(v: CellView, press: (target: RowTarget, type: string, action: JobRowAction) => void): HTMLElement[] {
  const { target, mine, writer, job, error, warning } = v;
  const reasonId = `why-${target.kind}-${target.id}`;
  const warnId = `warn-${target.kind}-${target.id}`;
  const describedBy = [writer === false ? reasonId : '', warning === '' ? '' : warnId].filter((x) => x !== '').join(' ');
  const buttons = mine.map((o) => {
    const disabled = writer === false || job !== undefined;
    const button = h(
      'button',
      { type: 'button', class: 'row-action', 'data-action': o.type, disabled, 'aria-describedby': describedBy === '' ? undefined : describedBy },
      o.action.label,
    );
    button.addEventListener('click', () => press(target, o.type, o.action));
    return button;
  });
  const offers = mine.length > 0;
  const notes = [
    warning !== '' && offers ? h('span', { id: warnId, class: 'row-warning', role: 'note' }, `⚠ ${warning}`) : undefined,
    writer === false && offers ? h('span', { id: reasonId, class: 'row-why' }, `Needs the ${WRITER_ROLE} role`) : undefined,
    job === undefined ? undefined : progressLink(job, target.id),
    error === '' ? undefined : h('span', { class: 'row-error', role: 'alert' }, error),
  ];
  return [...buttons, ...notes.filter((n): n is HTMLElement => n !== undefined)];
}

export function createRowActions(
  start: (type: string, parameters: Record<string, unknown>) => Promise<Job>,
  confirm: (question: string) => boolean,
  now: () => number = Date.now,
): RowActions {
  const cells = new Map<string, Cell>();
  let offered: { type: string; action: JobRowAction }[] = [];
  let writer: boolean | undefined;
  let active = new Map<string, Job>();
  let known: readonly Job[] = [];
  let self: string | undefined;
  let recent = new Map<string, Job>();
  const errors = new Map<string, string>();

  function press(target: RowTarget, type: string, action: JobRowAction): void {
    const what = `${action.label} ${target.kind === 'vm' ? 'VM' : 'host'} ${target.id}`;
    if (action.destructive === true && !confirm(`${what}?`)) return;
    errors.delete(target.id);
    const parameters = { host: target.host, ...(target.vm === undefined ? {} : { vm: target.vm }), ...action.parameters };
    start(type, parameters).catch((error: unknown) => {
      errors.set(target.id, `${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      refresh();
    });
  }

  function render(cell: Cell): void {
    const { target } = cell;
    const job = active.get(`${target.kind}:${target.id}`);
    const mine = offered.filter((o) => o.action.kind === target.kind && o.action.states.includes(target.state));
    const error = errors.get(target.id) ?? '';
    const warning = warningOf(recent.get(`${target.kind}:${target.id}`), now());
    const key = `${target.state}|${String(writer)}|${mine.map((o) => o.action.label).join(',')}|${job?.id ?? ''}@${job?.progress ?? ''}|${error}|${warning}`;
    if (key === cell.shown) return;
    cell.shown = key;
    cell.element.replaceChildren(...cellParts({ target, mine, writer, job, error, warning }, press));
  }

  const refresh = (): void => cells.forEach(render);

  return {
    cell(target) {
      let cell = cells.get(target.id);
      if (cell === undefined) {
        cell = { element: h('span', { class: 'row-actions', 'data-actions-for': target.id }), target, shown: '' };
        cells.set(target.id, cell);
      }
      cell.target = target;
      render(cell);
      return cell.element;
    },
    setTypes(types) {
      offered = types.flatMap((t) => t.actions.map((action) => ({ type: t.name, action })));
      refresh();
    },
    setRoles(roles) {
      writer = roles === undefined ? undefined : roles.includes(WRITER_ROLE);
      refresh();
    },
    setJobs(jobs) {
      known = jobs;
      recent = recentByOthers(jobs, self, now());
      active = new Map();
      for (const job of jobs) {
        const row = rowOf(job);
        // Newest first: the first unfinished job of a row is the one shown.
        if (row !== undefined && (job.status === 'pending' || job.status === 'running') && !active.has(row)) active.set(row, job);
      }
      refresh();
    },
    keepOnly(ids) {
      for (const id of [...cells.keys()]) if (!ids.has(id)) cells.delete(id);
    },
    setSelf(userId) {
      self = userId;
      recent = recentByOthers(known, self, now());
      refresh();
    },
    tick() {
      recent = recentByOthers(known, self, now());
      refresh();
    },
  };
}
