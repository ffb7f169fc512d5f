/**
 * The Jobs list: one row per job, newest first, with its status badge and a live progress bar.
 * Rows are updated in place (a row's progress bar is the same element from pending to completed)
 * and only new rows are inserted, so keyboard focus on a link survives every update.
 */
import type { Job } from '../protocol/index.js';
import { badge, JOB_LOOKS } from './badges.js';
import { byId, h } from './dom.js';
import { refreshTimes } from './item.js';
import { jobTitle, type JobsState } from './jobs-state.js';
import { jobHref } from './router.js';
import { absoluteTime, relativeTime } from './time.js';

interface Row {
  readonly tr: HTMLTableRowElement;
  readonly link: HTMLAnchorElement;
  readonly status: HTMLTableCellElement;
  readonly progress: HTMLProgressElement;
  readonly percent: HTMLSpanElement;
  readonly error: HTMLSpanElement;
  shown: string;
}

/** A progress bar with its value as text beside it; `<progress>` is a progressbar to assistive tech. */
export function progressBar(job: Job, label: string): { bar: HTMLProgressElement; text: HTMLSpanElement } {
  return {
    bar: h('progress', { max: '100', value: String(job.progress), 'aria-label': label }),
    text: h('span', { class: 'percent' }, `${job.progress}%`),
  };
}

export function setProgress(bar: HTMLProgressElement, text: HTMLElement, job: Job): void {
  bar.value = job.progress;
  bar.setAttribute('value', String(job.progress));
  bar.dataset.status = job.status;
  text.textContent = `${job.progress}%`;
}

function createRow(job: Job, nowMs: number): Row {
  const title = jobTitle(job);
  const link = h('a', { href: jobHref(job.id), class: 'job-link' }, title);
  const { bar, text } = progressBar(job, `Progress of ${title}`);
  const status = h('td', { class: 'job-status' });
  const error = h('span', { class: 'job-error' });
  const time = h('time', { datetime: job.created_at, title: absoluteTime(job.created_at) }, relativeTime(job.created_at, nowMs));
  const tr = h(
    'tr',
    { 'data-job-id': job.id },
    h('th', { scope: 'row' }, link, h('span', { class: 'job-type' }, job.type), error),
    status,
    h('td', { class: 'job-progress' }, bar, text),
    h('td', {}, job.created_by),
    h('td', {}, time),
  );
  return { tr, link, status, progress: bar, percent: text, error, shown: '' };
}

function update(row: Row, job: Job, open: boolean): void {
  const shown = `${job.version}|${job.status}|${job.progress}|${String(open)}`;
  if (row.shown === shown) return;
  row.shown = shown;
  row.status.replaceChildren(badge(JOB_LOOKS, job.status, `Job ${jobTitle(job)}`));
  row.tr.dataset.status = job.status;
  setProgress(row.progress, row.percent, job);
  row.error.textContent = job.error ?? '';
  row.tr.classList.toggle('selected', open);
  if (open) row.link.setAttribute('aria-current', 'true');
  else row.link.removeAttribute('aria-current');
}

export interface JobsView {
  render(state: JobsState): void;
  tick(): void;
}

export function createJobsView(now: () => number = Date.now): JobsView {
  const list = byId<HTMLTableSectionElement>('jobs-list');
  const status = byId('jobs-status');
  const rows = new Map<string, Row>();
  return {
    render(state) {
      const nowMs = now();
      const wanted = state.jobs.map((job) => {
        let row = rows.get(job.id);
        if (row === undefined) {
          row = createRow(job, nowMs);
          rows.set(job.id, row);
        }
        update(row, job, job.id === state.openId);
        return row.tr;
      });
      const keep = new Set(state.jobs.map((j) => j.id));
      for (const [id, row] of rows) {
        if (keep.has(id)) continue;
        row.tr.remove();
        rows.delete(id);
      }
      // Insert and move only what is out of place, so focused rows stay put.
      wanted.forEach((tr, i) => {
        const at = list.children[i];
        if (at !== tr) list.insertBefore(tr, at ?? null);
      });
      const running = state.jobs.filter((j) => j.status === 'running' || j.status === 'pending').length;
      status.textContent = !state.loaded
        ? 'Loading jobs…'
        : state.jobs.length === 0
          ? 'No jobs yet.'
          : `${state.jobs.length} jobs, ${running} pending or running`;
    },
    tick() {
      refreshTimes(list, now());
    },
  };
}
