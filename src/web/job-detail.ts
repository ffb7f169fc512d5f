/**
 * The open job: title, status, progress, times, parameters, error, a Cancel button while it is
 * unfinished, and its output lines, appended as they stream in.
 */
import type { Job, JobOutputLine } from '../protocol/index.js';
import { badge, JOB_LOOKS } from './badges.js';
import { byId, h } from './dom.js';
import { isFinished, jobTitle, type JobsState } from './jobs-state.js';
import { progressBar } from './jobs-view.js';
import { absoluteTime } from './time.js';

export interface JobDetailView {
  render(state: JobsState, job: Job | undefined): void;
  onCancel(handler: (id: string) => void): void;
}

function field(name: string, value: string | Node): HTMLElement[] {
  return [h('dt', {}, name), h('dd', {}, value)];
}

const when = (iso: string | null): string => (iso === null ? '—' : absoluteTime(iso));

function lineItem(line: JobOutputLine): HTMLLIElement {
  return h(
    'li',
    { 'data-seq': String(line.seq) },
    h('time', { datetime: line.at, title: absoluteTime(line.at) }, new Date(line.at).toLocaleTimeString()),
    h('span', { class: 'line-text' }, line.text),
  );
}

export function createJobDetail(): JobDetailView {
  const panel = byId('job-detail');
  const title = byId('job-detail-title');
  const summary = byId('job-detail-summary');
  const cancel = byId<HTMLButtonElement>('job-cancel');
  const output = byId<HTMLOListElement>('job-output');
  const outputEmpty = byId('job-output-empty');
  let shownJob = '';
  let shownId: string | null = null;
  let lastSeq = 0;
  let cancelHandler: (id: string) => void = () => undefined;
  cancel.addEventListener('click', () => {
    if (shownId !== null) cancelHandler(shownId);
  });

  function renderOutput(lines: readonly JobOutputLine[]): void {
    const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 8;
    const firstNew = lines.findIndex((l) => l.seq > lastSeq);
    // Lines only ever follow on, unless an earlier page arrived late: then redraw them all.
    const inOrder = output.children.length === (firstNew === -1 ? lines.length : firstNew);
    if (!inOrder) output.replaceChildren(...lines.map(lineItem));
    else if (firstNew !== -1) output.append(...lines.slice(firstNew).map(lineItem));
    lastSeq = lines[lines.length - 1]?.seq ?? 0;
    outputEmpty.hidden = lines.length > 0;
    if (atBottom) output.scrollTop = output.scrollHeight;
  }

  return {
    render(state, job) {
      panel.hidden = state.openId === null;
      if (state.openId !== shownId) {
        shownId = state.openId;
        shownJob = '';
        lastSeq = 0;
        output.replaceChildren();
      }
      if (state.openId === null) return;
      if (job === undefined) {
        title.textContent = `Job ${state.openId}`;
        summary.replaceChildren(h('p', {}, 'Loading…'));
        cancel.hidden = true;
      } else if (shownJob !== `${job.id}@${job.version}`) {
        shownJob = `${job.id}@${job.version}`;
        title.textContent = jobTitle(job);
        const { bar, text } = progressBar(job, `Progress of ${jobTitle(job)}`);
        bar.dataset.status = job.status;
        const params =
          Object.entries(job.parameters)
            .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
            .join(', ') || 'none';
        summary.replaceChildren(
          h('div', { class: 'detail-status' }, badge(JOB_LOOKS, job.status, 'Status'), bar, text),
          h(
            'dl',
            { class: 'detail-fields' },
            ...field('Type', job.type),
            ...field('Parameters', params),
            ...field('Created by', job.created_by),
            ...field('Created', when(job.created_at)),
            ...field('Started', when(job.started_at)),
            ...field('Finished', when(job.finished_at)),
            ...(job.error === null ? [] : field('Error', job.error)),
          ),
        );
        cancel.hidden = isFinished(job);
      }
      renderOutput(state.lines);
    },
    onCancel(handler) {
      cancelHandler = handler;
    },
  };
}
