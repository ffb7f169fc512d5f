/**
 * Actions where the VM is: each inventory row gets the job types whose `actions` apply to its
 * state (VM) or status (host), as buttons. Only the writer role may press them: for anyone else
 * they are disabled, with the reason beside them. Destructive ones ask first. While a job started
 * on the row is unfinished, the row shows its live progress and a link to it.
 *
 * Each entity's cell is one element kept here across re-renders of its card, updated in place
 * only when what it shows changed.
 */
import type { Job, JobRowAction, JobTypeInfo } from '../protocol/index.js';
import { h } from './dom.js';
import { jobHref } from './router.js';
import { WRITER_ROLE } from './item-tools.js';

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

export function createRowActions(
  start: (type: string, parameters: Record<string, unknown>) => Promise<Job>,
  confirm: (question: string) => boolean,
): RowActions {
  const cells = new Map<string, Cell>();
  let offered: { type: string; action: JobRowAction }[] = [];
  let writer: boolean | undefined;
  let active = new Map<string, Job>();
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
    const key = `${target.state}|${String(writer)}|${mine.map((o) => o.action.label).join(',')}|${job?.id ?? ''}@${job?.progress ?? ''}|${error}`;
    if (key === cell.shown) return;
    cell.shown = key;
    const reasonId = `why-${target.kind}-${target.id}`;
    const buttons = mine.map((o) => {
      const disabled = writer === false || job !== undefined;
      const button = h(
        'button',
        { type: 'button', class: 'row-action', 'data-action': o.type, disabled, 'aria-describedby': writer === false ? reasonId : undefined },
        o.action.label,
      );
      button.addEventListener('click', () => press(target, o.type, o.action));
      return button;
    });
    const parts: Node[] = [...buttons];
    if (writer === false && mine.length > 0) parts.push(h('span', { id: reasonId, class: 'row-why' }, `Needs the ${WRITER_ROLE} role`));
    if (job !== undefined) {
      const bar = h('progress', { max: '100', value: String(job.progress), 'aria-label': `Progress of ${job.type} on ${target.id}` });
      parts.push(h('a', { class: 'row-job', href: jobHref(job.id) }, bar, ` ${job.progress}% ${job.type}`));
    }
    if (error !== '') parts.push(h('span', { class: 'row-error', role: 'alert' }, error));
    cell.element.replaceChildren(...parts);
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
  };
}
