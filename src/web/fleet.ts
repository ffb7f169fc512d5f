/**
 * The Inventory and Jobs views, wired: first loaded from the `inventory` and `jobs` snapshots
 * (`initial_state`, also after a resync) and then changed only by socket events, each applied only
 * when newer than what is shown. REST serves an opened job's earlier output, a job not in the
 * snapshot, and the polling fallback when the socket cannot be had.
 */
import type { WsClient } from '../client/index.js';
import type { InventoryEventData, InventorySnapshot, Job, JobOutputLine } from '../protocol/index.js';
import { byId } from './dom.js';
import type { FleetApi } from './fleet-api.js';
import { createFleetApi } from './fleet-api.js';
import { createInventoryStore, type InventoryStore } from './inventory-state.js';
import { createJobForm, type JobForm } from './job-form.js';
import { createJobsStore, type JobsStore } from './jobs-state.js';
import { createFleetViews, type FleetViews } from './fleet-views.js';
import { createPresenceBars, type PresenceBars } from './presence.js';
import { createRowActions, type RowActions } from './row-actions.js';
import { jobHref, startRouter, type Route } from './router.js';

/** The topics whose snapshots and events these views need. */
export const FLEET_TOPICS = ['inventory', 'jobs'] as const;

export interface Fleet {
  /** Reloads both views over REST (the fallback while the socket is down for good). */
  refresh(): Promise<void>;
  tick(): void;
  /** The signed-in user's id: left out of "who else is viewing" and of the row warnings. */
  setSelf(userId: string): void;
}

const ENTITY_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Who else is on the host's page (`host` filter) and on the open job's page. */
function followPresence(presence: PresenceBars, route: Route): void {
  const host = route.view === 'inventory' ? byId<HTMLInputElement>('inventory-host').value || (route.params.host ?? '') : '';
  presence.show('host', ENTITY_ID.test(host) ? `inventory:${host}` : null);
  presence.show('job', route.view === 'jobs' && route.jobId !== null ? `jobs:${route.jobId}` : null);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const hasVersion = (v: unknown): v is { id: string; version: number; [field: string]: unknown } =>
  isRecord(v) && typeof v.id === 'string' && typeof v.version === 'number';

/** Applies the socket's snapshots and events to the stores. */
function listen(client: WsClient, inventory: InventoryStore, jobs: JobsStore, openJob: (id: string | null) => void): void {
  client.on('initial_state', (m) => {
    if (m.data.inventory !== undefined) inventory.replace(m.data.inventory);
    if (m.data.jobs !== undefined) {
      jobs.replace(m.data.jobs);
      // After a resync the open job may have printed lines we never saw.
      const open = jobs.state().openId;
      if (open !== null) openJob(open);
    }
  });
  client.on('inventory', (m) => {
    const data = m.data;
    if ((m.action === 'created' || m.action === 'updated' || m.action === 'deleted') && isRecord(data) && hasVersion(data) && isRecord(data.entity)) {
      inventory.apply(m.action, data as unknown as InventoryEventData);
    }
  });
  client.on('job', (m) => {
    const data = m.data;
    if (!isRecord(data) || typeof data.id !== 'string') return;
    if ((m.action === 'created' || m.action === 'updated') && hasVersion(data.job))
      jobs.put({ ...(data.job as unknown as Job), version: Number(data.version ?? data.job.version) });
    else if (m.action === 'output' && Array.isArray(data.lines)) jobs.addLines(data.id, data.lines as JobOutputLine[]);
    else if (m.action === 'deleted' && typeof data.version === 'number') jobs.remove(data.id, data.version);
  });
}

let loaded: Promise<void> | undefined;

/** The job types for the form and the rows, and the user's roles for the rows; again after a failure. */
function loadOnce(api: FleetApi, form: JobForm, actions: RowActions, views: FleetViews): void {
  loaded ??= Promise.all([api.types(), api.roles()]).then(
    ([types, roles]) => {
      form.setTypes(types);
      views.setTypes(types);
      actions.setTypes(types);
      actions.setRoles(roles);
    },
    () => void (loaded = undefined),
  );
}

export function startFleet(client: WsClient, report: (text: string) => void): Fleet {
  const api = createFleetApi();
  const inventory = createInventoryStore();
  const jobs = createJobsStore();
  const actions = createRowActions(
    async (type, parameters) => {
      const job = await api.createJob(type, parameters);
      jobs.put(job);
      return job;
    },
    (question) => window.confirm(question),
  );
  const views = createFleetViews(inventory, jobs, actions);
  const fail = (what: string) => (error: unknown) => report(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);

  inventory.onChange(views.renderInventory);
  jobs.onChange(views.renderJobs);

  /** The open job's output after the last line held, page by page (live lines merge by seq). */
  async function loadOutput(id: string): Promise<void> {
    for (let after = jobs.lastSeq(); ;) {
      const lines = await api.output(id, after);
      if (jobs.state().openId !== id) return;
      jobs.addLines(id, lines);
      const last = lines[lines.length - 1];
      if (lines.length < 1000 || last === undefined) return;
      after = last.seq;
    }
  }

  function openJob(id: string | null): void {
    jobs.open(id);
    if (id === null) return;
    if (jobs.get(id) === undefined) api.job(id).then((job) => void jobs.put(job), fail('Loading the job'));
    loadOutput(id).catch(fail('Loading the job output'));
  }

  listen(client, inventory, jobs, openJob);

  views.detail.onCancel((id) => void api.cancel(id).catch(fail('Cancelling the job')));
  const jobForm = createJobForm(
    api,
    () => inventory.state(),
    (job) => {
      jobs.put(job);
      location.hash = jobHref(job.id);
    },
  );
  inventory.onChange(() => jobForm.inventoryChanged());
  // Job types need a principal: load them once the socket is in (a signed-out page never asks).
  client.onConnectionStatus((status) => {
    if (status === 'connected') loadOnce(api, jobForm, actions, views);
  });
  const presence = createPresenceBars(client);
  let route: Route | undefined;
  startRouter((next) => {
    route = next;
    views.route(next);
    openJob(next.view === 'jobs' ? next.jobId : null);
    followPresence(presence, next);
  });
  byId('inventory-filter').addEventListener('input', () => {
    if (route !== undefined) followPresence(presence, route);
  });
  views.renderInventory();
  views.renderJobs();

  return {
    async refresh() {
      const [snapshot, list] = await Promise.all([api.inventory(), api.jobs()]);
      inventory.replace(snapshot as InventorySnapshot);
      jobs.replace(list);
    },
    tick() {
      views.tick();
      actions.tick();
    },
    setSelf(userId) {
      presence.setSelf(userId);
      actions.setSelf(userId);
    },
  };
}
