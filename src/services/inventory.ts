/**
 * Inventory: clusters, hosts and VMs. Every change bumps the entity's `version` and appends one
 * `inventory` event (see InventoryEventData) in the same transaction. A host that goes
 * `disconnected` raises an error notification, one that comes back an info notification.
 *
 * A report that changes nothing but `last_seen` is a heartbeat: it is stored without an event or a
 * version bump, so agents reporting every few seconds do not flood the log.
 */
import { AppError } from '../shared/errors.js';
import type {
  Cluster,
  Host,
  InventoryAction,
  InventoryEntity,
  InventoryEventData,
  InventoryKind,
  InventorySnapshot,
  Position,
  Vm,
  VmState,
} from '../protocol/index.js';
import type { Store, StoreTx } from '../store/types.js';
import type { CreateNotificationInput } from './notification-input.js';
import { checkName, parseHostReport, parseVmCreate, parseVmUpdate, type HostReport, type VmReport } from './inventory-input.js';
import { changedFields, type WriteContext, type Writer } from './tx.js';

export const INVENTORY_TOPIC = 'inventory';

/** Raises a notification after the commit (the notification service's `createNotification`). */
/** Raises a notification inside the caller's transaction (see NotificationService.raise). */
export type Notify = (ctx: WriteContext, input: CreateNotificationInput) => Promise<unknown>;
/** Resolves a condition inside the caller's transaction (see NotificationService.resolveIn). */
export type ResolveCondition = (ctx: WriteContext, conditionKey: string) => Promise<unknown>;

/** The condition a disconnected host raises, resolved when it reconnects. */
export const hostUnreachableKey = (host: string): string => `host:${host}:unreachable`;

export type HostPatch = Omit<HostReport, 'vms'> & { readonly last_seen?: string | null };
export type VmPatch = Omit<VmReport, 'name'>;

/** Inventory changes inside a caller's transaction, for REST writes and for jobs. */
export interface InventoryMutations {
  /** Creates or changes a host (creating its cluster when new). */
  saveHost(ctx: WriteContext, id: string, patch: HostPatch): Promise<Host>;
  /** Creates (`create`) or changes a VM; throws not_found / conflict as fits. */
  saveVm(ctx: WriteContext, hostId: string, name: string, patch: VmPatch, mode: 'create' | 'update' | 'upsert'): Promise<Vm>;
  deleteVm(ctx: WriteContext, hostId: string, name: string): Promise<Vm>;
  host(ctx: WriteContext, id: string): Promise<Host>;
  vm(ctx: WriteContext, hostId: string, name: string): Promise<Vm>;
}

export interface InventoryService {
  readonly mutations: InventoryMutations;
  all(): Promise<InventorySnapshot>;
  hosts(): Promise<readonly Host[]>;
  vmsOf(hostId: string): Promise<readonly Vm[]>;
  vms(filter?: { state?: VmState | undefined }): Promise<readonly Vm[]>;
  vm(hostId: string, name: string): Promise<Vm>;
  /** An agent's report (validated from unknown; no body is a heartbeat): the host's state and optionally its complete VM list. */
  reportHost(hostId: string, input: unknown): Promise<{ host: Host; vms: readonly Vm[] | undefined; created: boolean }>;
  createVm(input: unknown): Promise<Vm>;
  updateVm(hostId: string, name: string, input: unknown): Promise<Vm>;
  deleteVm(hostId: string, name: string): Promise<void>;
  /** Marks `connected` hosts not heard from since `cutoff` (ISO) `disconnected`; returns their ids. */
  markStale(cutoff: string): Promise<readonly string[]>;
  /** Everything, or with `hostIds` those hosts, their VMs and their clusters. */
  snapshot(hostIds?: readonly string[]): Promise<{ data: { inventory: InventorySnapshot }; position: Position }>;
}

export interface InventoryServiceOptions {
  readonly store: Store;
  readonly write: Writer;
  readonly notify: Notify;
  /** Resolves the host's condition when it reconnects; absent: nothing is resolved. */
  readonly resolve?: ResolveCondition;
  readonly now?: () => Date;
}

function notFound(what: string): AppError {
  return new AppError('not_found', `${what} not found`);
}

export function createInventoryService(options: InventoryServiceOptions): InventoryService {
  const { store, write, notify } = options;
  const now = options.now ?? (() => new Date());

  async function emit(
    ctx: WriteContext,
    kind: InventoryKind,
    action: InventoryAction,
    before: InventoryEntity | undefined,
    entity: InventoryEntity,
  ): Promise<void> {
    const changes = action === 'deleted' ? {} : changedFields(before, entity);
    const data: InventoryEventData = { kind, id: entity.id, version: entity.version, changes, entity };
    // A host's events and its VMs' also match the entity topic `inventory:<host>`.
    const host = kind === 'host' ? entity.id : kind === 'vm' ? (entity as Vm).host_id : undefined;
    await ctx.emit({ topic: INVENTORY_TOPIC, type: 'inventory', action, data, ...(host === undefined ? {} : { keys: [`${INVENTORY_TOPIC}:${host}`] }) });
  }

  async function ensureCluster(ctx: WriteContext, id: string): Promise<void> {
    if ((await ctx.tx.inventory.cluster(id)) !== undefined) return;
    const at = now().toISOString();
    const cluster: Cluster = { id, name: id, version: 1, created_at: at, updated_at: at };
    await ctx.tx.inventory.saveCluster(cluster, true);
    await emit(ctx, 'cluster', 'created', undefined, cluster);
  }

  async function hostTransition(ctx: WriteContext, before: Host, after: Host): Promise<void> {
    if (before.status === after.status) return;
    const related = { type: 'host', id: after.id, name: after.id };
    if (after.status === 'disconnected') {
      await notify(ctx, {
        title: `Host ${after.id} disconnected`,
        message: `Host ${after.id} stopped answering and is unreachable.`,
        level: 'error',
        category: 'host',
        related_entity: related,
        condition_key: hostUnreachableKey(after.id),
      });
    } else if (before.status === 'disconnected') {
      await options.resolve?.(ctx, hostUnreachableKey(after.id));
      await notify(ctx, {
        title: `Host ${after.id} reconnected`,
        message: `Host ${after.id} is reachable again (${after.status}).`,
        level: 'info',
        category: 'host',
        related_entity: related,
      });
    }
  }

  const mutations: InventoryMutations = {
    async saveHost(ctx, id, patch) {
      const before = await ctx.tx.inventory.host(id);
      if (patch.cluster_id !== undefined && patch.cluster_id !== null) await ensureCluster(ctx, patch.cluster_id);
      const at = now().toISOString();
      const base: Host = before ?? {
        id,
        cluster_id: null,
        status: 'connected',
        last_seen: null,
        cpu_cores: 0,
        memory_mb: 0,
        cpu_usage_percent: 0,
        memory_usage_percent: 0,
        version: 0,
        created_at: at,
        updated_at: at,
      };
      const merged: Host = { ...base, ...patch, id };
      const changes = changedFields(before, merged);
      delete changes.last_seen;
      if (before !== undefined && Object.keys(changes).length === 0) {
        if (merged.last_seen !== before.last_seen) await ctx.tx.inventory.saveHost({ ...before, last_seen: merged.last_seen }, false);
        return { ...before, last_seen: merged.last_seen };
      }
      const host: Host = { ...merged, version: base.version + 1, updated_at: at };
      await ctx.tx.inventory.saveHost(host, before === undefined);
      await emit(ctx, 'host', before === undefined ? 'created' : 'updated', before, host);
      if (before !== undefined) await hostTransition(ctx, before, host);
      return host;
    },

    async saveVm(ctx, hostId, name, patch, mode) {
      if ((await ctx.tx.inventory.host(hostId)) === undefined) throw notFound(`host ${hostId}`);
      const before = await ctx.tx.inventory.vm(hostId, name);
      if (before === undefined && mode === 'update') throw notFound(`VM ${hostId}/${name}`);
      if (before !== undefined && mode === 'create') throw new AppError('conflict', `VM ${hostId}/${name} already exists`);
      const at = now().toISOString();
      const base: Vm = before ?? {
        id: `${hostId}/${name}`,
        host_id: hostId,
        name,
        state: 'off',
        cpu_count: 1,
        memory_mb: 1024,
        version: 0,
        created_at: at,
        updated_at: at,
      };
      const merged: Vm = { ...base, ...patch };
      if (before !== undefined && Object.keys(changedFields(before, merged)).length === 0) return before;
      const vm: Vm = { ...merged, version: base.version + 1, updated_at: at };
      await ctx.tx.inventory.saveVm(vm, before === undefined);
      await emit(ctx, 'vm', before === undefined ? 'created' : 'updated', before, vm);
      return vm;
    },

    async deleteVm(ctx, hostId, name) {
      const before = await mutations.vm(ctx, hostId, name);
      await ctx.tx.inventory.deleteVm(hostId, name);
      const gone: Vm = { ...before, version: before.version + 1, updated_at: now().toISOString() };
      await emit(ctx, 'vm', 'deleted', before, gone);
      return gone;
    },

    async host(ctx, id) {
      const host = await ctx.tx.inventory.host(id);
      if (host === undefined) throw notFound(`host ${id}`);
      return host;
    },

    async vm(ctx, hostId, name) {
      const vm = await ctx.tx.inventory.vm(hostId, name);
      if (vm === undefined) throw notFound(`VM ${hostId}/${name}`);
      return vm;
    },
  };

  async function readAll(tx: StoreTx): Promise<InventorySnapshot> {
    return { clusters: await tx.inventory.clusters(), hosts: await tx.inventory.hosts(), vms: await tx.inventory.vms() };
  }

  async function readHosts(tx: StoreTx, hostIds: readonly string[]): Promise<InventorySnapshot> {
    const hosts = (await Promise.all(hostIds.map((id) => tx.inventory.host(id)))).filter((h): h is Host => h !== undefined);
    const vms = (await Promise.all(hosts.map((h) => tx.inventory.vms(h.id)))).flat();
    const clusterIds = [...new Set(hosts.flatMap((h) => (h.cluster_id === null ? [] : [h.cluster_id])))];
    const clusters = (await Promise.all(clusterIds.map((id) => tx.inventory.cluster(id)))).filter((c): c is Cluster => c !== undefined);
    return { clusters, hosts, vms };
  }

  return {
    mutations,
    all: () => store.read(readAll),
    hosts: () => store.read((tx) => tx.inventory.hosts()),
    vmsOf: (hostId) =>
      store.read(async (tx) => {
        if ((await tx.inventory.host(hostId)) === undefined) throw notFound(`host ${hostId}`);
        return tx.inventory.vms(hostId);
      }),
    async vms(filter = {}) {
      const all = await store.read((tx) => tx.inventory.vms());
      return filter.state === undefined ? all : all.filter((vm) => vm.state === filter.state);
    },
    vm: (hostId, name) =>
      store.read(async (tx) => {
        const vm = await tx.inventory.vm(hostId, name);
        if (vm === undefined) throw notFound(`VM ${hostId}/${name}`);
        return vm;
      }),

    async reportHost(hostId, input) {
      checkName('host', hostId);
      const report = parseHostReport(input ?? {});
      const { vms: reportedVms, ...patch } = report;
      return write(async (ctx) => {
        const existed = (await ctx.tx.inventory.host(hostId)) !== undefined;
        const host = await mutations.saveHost(ctx, hostId, { ...patch, last_seen: now().toISOString() });
        if (reportedVms === undefined) return { host, vms: undefined, created: !existed };
        const listed = new Set(reportedVms.map((vm) => vm.name));
        for (const old of await ctx.tx.inventory.vms(hostId)) if (!listed.has(old.name)) await mutations.deleteVm(ctx, hostId, old.name);
        for (const { name, ...vmPatch } of reportedVms) await mutations.saveVm(ctx, hostId, name, vmPatch, 'upsert');
        return { host, vms: await ctx.tx.inventory.vms(hostId), created: !existed };
      });
    },

    async createVm(input) {
      const { host, name, ...patch } = parseVmCreate(input);
      return write((ctx) => mutations.saveVm(ctx, host, name, patch, 'create'));
    },

    async updateVm(hostId, name, input) {
      const patch = parseVmUpdate(input);
      return write((ctx) => mutations.saveVm(ctx, hostId, name, patch, 'update'));
    },

    async deleteVm(hostId, name) {
      await write((ctx) => mutations.deleteVm(ctx, hostId, name));
    },

    markStale: (cutoff) =>
      write(async (ctx) => {
        const stale = (await ctx.tx.inventory.hosts()).filter((h) => h.status === 'connected' && h.last_seen !== null && h.last_seen < cutoff);
        for (const host of stale) await mutations.saveHost(ctx, host.id, { status: 'disconnected' });
        return stale.map((h) => h.id);
      }),

    snapshot: (hostIds) =>
      store.read(async (tx) => ({
        data: { inventory: hostIds === undefined ? await readAll(tx) : await readHosts(tx, hostIds) },
        position: await tx.position(INVENTORY_TOPIC),
      })),
  };
}
