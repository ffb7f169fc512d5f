/**
 * Search and filters of the Inventory (name, VM state, cluster) and Jobs (status, type, user)
 * views, kept in the URL (`#/inventory?q=web&state=running`) so a filtered view can be shared and
 * survives a reload. Typing replaces the URL (no history entry per key); opening such a link
 * fills the fields; a link to the view without a query (the tab, a job opened from the list, ✕)
 * keeps the filters held.
 */
import type { Job } from '../protocol/index.js';
import { byId, h } from './dom.js';
import type { InventoryState } from './inventory-state.js';
import { viewHref, type Route } from './router.js';

export type Params = Readonly<Record<string, string>>;

export interface Filters {
  /** The route changed: fills the fields from its params and applies them. */
  route(route: Route): void;
  inventory(state: InventoryState): InventoryState;
  jobs(jobs: readonly Job[]): readonly Job[];
  /** Offers these clusters and job types in the selects, keeping the choice. */
  options(clusters: readonly string[], types: readonly string[]): void;
}

const lower = (s: string): string => s.trim().toLowerCase();

/**
 * The hosts and VMs that match: hosts by cluster, status and exact name (`host`: the host's page);
 * a VM by its `host/name` and state; a host also needs its name or a VM to match.
 */
export function filterInventory(state: InventoryState, p: Params): InventoryState {
  const q = lower(p.q ?? '');
  const wantState = p.state ?? '';
  const cluster = p.cluster ?? '';
  const status = p.status ?? '';
  const only = p.host ?? '';
  if (q === '' && wantState === '' && cluster === '' && status === '' && only === '') return state;
  const hosts = new Map(
    [...state.hosts].filter(
      ([id, host]) => (cluster === '' || host.cluster_id === cluster) && (status === '' || host.status === status) && (only === '' || id === only),
    ),
  );
  const vms = new Map(
    [...state.vms].filter(([, vm]) => hosts.has(vm.host_id) && (wantState === '' || vm.state === wantState) && (q === '' || lower(vm.id).includes(q))),
  );
  const withVm = new Set([...vms.values()].map((vm) => vm.host_id));
  for (const id of [...hosts.keys()]) {
    const nameMatches = q === '' || lower(id).includes(q);
    if (!withVm.has(id) && (wantState !== '' || !nameMatches)) hosts.delete(id);
  }
  return { ...state, hosts, vms };
}

/** The jobs whose status, type and creator match (the creator by substring). */
export function filterJobs(jobs: readonly Job[], p: Params): readonly Job[] {
  const user = lower(p.user ?? '');
  const is = (wanted: string | undefined, value: string): boolean => wanted === undefined || wanted === '' || wanted === value;
  return jobs.filter((j) => is(p.status, j.status) && is(p.type, j.type) && (user === '' || lower(j.created_by).includes(user)));
}

function fieldsOf(form: HTMLFormElement): (HTMLInputElement | HTMLSelectElement)[] {
  return [...form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input[name], select[name]')];
}

function fillSelect(select: HTMLSelectElement, values: readonly string[], wanted: string): void {
  const all = select.options[0]?.cloneNode(true) ?? h('option', { value: '' }, 'All');
  select.replaceChildren(all, ...values.map((v) => h('option', { value: v }, v)));
  select.value = values.includes(wanted) ? wanted : '';
}

export function createFilters(changed: () => void): Filters {
  const forms = { inventory: byId<HTMLFormElement>('inventory-filter'), jobs: byId<HTMLFormElement>('jobs-filter') };
  const params: Record<'inventory' | 'jobs', Params> = { inventory: {}, jobs: {} };
  for (const view of ['inventory', 'jobs'] as const) {
    const form = forms[view];
    const read = (): void => {
      params[view] = Object.fromEntries(fieldsOf(form).map((f) => [f.name, f.value]));
      const jobId = view === 'jobs' ? /^#\/jobs\/([^?]+)/.exec(location.hash)?.[1] : undefined;
      const href = viewHref(view, params[view]);
      history.replaceState(null, '', jobId === undefined ? href : href.replace('#/jobs', `#/jobs/${jobId}`));
      changed();
    };
    form.addEventListener('input', read);
    form.addEventListener('submit', (e) => e.preventDefault());
  }
  return {
    route(route) {
      if (route.view === 'home') return;
      const held = params[route.view];
      // A link without a query (a job opened from the list, ✕, the tab) keeps the filters, in the URL too.
      if (Object.keys(route.params).length === 0 && Object.values(held).some((v) => v !== '')) {
        const [path = ''] = location.hash.split('?', 1);
        history.replaceState(null, '', `${path}${viewHref(route.view, held).slice(`#/${route.view}`.length)}`);
      } else params[route.view] = route.params;
      for (const f of fieldsOf(forms[route.view])) f.value = params[route.view][f.name] ?? '';
      changed();
    },
    inventory: (state) => filterInventory(state, params.inventory),
    jobs: (jobs) => filterJobs(jobs, params.jobs),
    options(clusters, types) {
      fillSelect(byId<HTMLSelectElement>('inventory-cluster'), clusters, params.inventory.cluster ?? '');
      if (types.length > 0) fillSelect(byId<HTMLSelectElement>('jobs-type'), types, params.jobs.type ?? '');
    },
  };
}
