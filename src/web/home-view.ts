/**
 * Home: the fleet at a glance, live. Hosts by status and VMs by state (each count links to the
 * Inventory filtered to it), running jobs with their progress, and the latest problems
 * (disconnected hosts, failed jobs), each linking to its view. Rebuilt from the stores on every
 * change; it holds a handful of elements, so that costs nothing worth saving.
 */
import { HOST_STATUSES, VM_STATES, type Job } from '../protocol/index.js';
import { badge, HOST_LOOKS, VM_LOOKS } from './badges.js';
import { byId, h } from './dom.js';
import { countBy, type InventoryState } from './inventory-state.js';
import { jobTitle } from './jobs-state.js';
import { jobHref, viewHref } from './router.js';

const MAX_LISTED = 5;

function counts<S extends string>(
  title: string,
  total: number,
  states: readonly S[],
  by: Map<S, number>,
  link: (s: S) => string,
  looks: Parameters<typeof badge<S>>[0],
): HTMLElement {
  const items = states
    .filter((s) => (by.get(s) ?? 0) > 0)
    .map((s) => h('li', { 'data-count': s }, h('a', { href: link(s) }, badge(looks, s), h('span', { class: 'count' }, String(by.get(s) ?? 0)))));
  return h(
    'section',
    { class: 'glance-card', 'data-glance': title.toLowerCase() },
    h('h2', {}, `${title} `, h('span', { class: 'total' }, String(total))),
    h('ul', { class: 'glance-counts' }, ...items),
  );
}

function runningJobs(jobs: readonly Job[]): HTMLElement {
  const running = jobs.filter((j) => j.status === 'running' || j.status === 'pending').slice(0, MAX_LISTED);
  const items = running.map((j) =>
    h(
      'li',
      { 'data-job-id': j.id },
      h('a', { href: jobHref(j.id) }, jobTitle(j)),
      h('progress', { max: '100', value: String(j.progress), 'aria-label': `Progress of ${jobTitle(j)}` }),
      ` ${j.progress}%`,
    ),
  );
  return h(
    'section',
    { class: 'glance-card', 'data-glance': 'running' },
    h('h2', {}, h('a', { href: viewHref('jobs', { status: 'running' }) }, 'Running jobs')),
    items.length === 0 ? h('p', { class: 'muted' }, 'None') : h('ul', { class: 'glance-list' }, ...items),
  );
}

function problems(state: InventoryState, jobs: readonly Job[]): HTMLElement {
  const lost = [...state.hosts.values()]
    .filter((host) => host.status === 'disconnected')
    .map((host) => h('li', {}, h('a', { href: viewHref('inventory', { q: host.id }) }, `Host ${host.id} is disconnected`)));
  const failed = jobs
    .filter((j) => j.status === 'failed')
    .map((j) => h('li', {}, h('a', { href: jobHref(j.id) }, `${jobTitle(j)} failed`), j.error === null ? '' : `: ${j.error}`));
  const items = [...lost, ...failed].slice(0, MAX_LISTED);
  return h(
    'section',
    { class: 'glance-card', 'data-glance': 'problems' },
    h('h2', {}, 'Latest problems'),
    items.length === 0 ? h('p', { class: 'muted' }, 'None') : h('ul', { class: 'glance-list' }, ...items),
  );
}

export interface HomeView {
  render(state: InventoryState, jobs: readonly Job[]): void;
}

export function createHomeView(): HomeView {
  const root = byId('fleet-glance');
  return {
    render(state, jobs) {
      if (!state.loaded) return;
      root.replaceChildren(
        counts(
          'Hosts',
          state.hosts.size,
          HOST_STATUSES,
          countBy(state.hosts.values(), (x) => x.status),
          (s) => viewHref('inventory', { status: s }),
          HOST_LOOKS,
        ),
        counts(
          'VMs',
          state.vms.size,
          VM_STATES,
          countBy(state.vms.values(), (x) => x.state),
          (s) => viewHref('inventory', { state: s }),
          VM_LOOKS,
        ),
        runningJobs(jobs),
        problems(state, jobs),
      );
    },
  };
}
