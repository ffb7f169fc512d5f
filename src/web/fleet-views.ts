/**
 * The views fed by the fleet's stores: Home's glance, Inventory and Jobs (through their filters,
 * kept in the URL), the open job's details and each inventory row's actions.
 */
import type { JobTypeInfo } from '../protocol/index.js';
import { createFilters } from './filters.js';
import { createHomeView } from './home-view.js';
import type { InventoryStore } from './inventory-state.js';
import { createInventoryView } from './inventory-view.js';
import { createJobDetail, type JobDetailView } from './job-detail.js';
import type { JobsStore } from './jobs-state.js';
import { createJobsView } from './jobs-view.js';
import type { Route } from './router.js';
import type { RowActions } from './row-actions.js';

export interface FleetViews {
  readonly detail: JobDetailView;
  renderInventory(): void;
  renderJobs(): void;
  /** The route changed: its filters apply. */
  route(route: Route): void;
  setTypes(types: readonly JobTypeInfo[]): void;
  tick(): void;
}

export function createFleetViews(inventory: InventoryStore, jobs: JobsStore, actions: RowActions): FleetViews {
  const inventoryView = createInventoryView(Date.now, actions);
  const jobsView = createJobsView();
  const detail = createJobDetail();
  const home = createHomeView();
  let typeNames: readonly string[] = [];
  let clusterKey = '';

  const renderInventory = (): void => {
    const state = inventory.state();
    inventoryView.render(filters.inventory(state));
    home.render(state, jobs.state().jobs);
    const clusters = [...state.clusters.keys()].sort();
    if (clusters.join('\n') !== clusterKey) {
      clusterKey = clusters.join('\n');
      filters.options(clusters, typeNames);
    }
  };
  const renderJobs = (): void => {
    const state = jobs.state();
    jobsView.render({ ...state, jobs: filters.jobs(state.jobs) });
    actions.setJobs(state.jobs);
    detail.render(state, state.openId === null ? undefined : jobs.get(state.openId));
    home.render(inventory.state(), state.jobs);
  };
  const filters = createFilters(() => {
    renderInventory();
    renderJobs();
  });

  return {
    detail,
    renderInventory,
    renderJobs,
    route: (route) => filters.route(route),
    setTypes(types) {
      typeNames = types.map((t) => t.name);
      filters.options(clusterKey === '' ? [] : clusterKey.split('\n'), typeNames);
    },
    tick() {
      inventoryView.tick();
      jobsView.tick();
    },
  };
}
