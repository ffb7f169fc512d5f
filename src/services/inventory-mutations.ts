/**
 * Inventory changes inside a caller's transaction (REST writes, agent reports, job steps). Every
 * change bumps the entity's `version` and appends one `inventory` event (see InventoryEventData)
 * in that transaction. A host that goes `disconnected` raises an error notification, one that
 * comes back an info notification.
 *
 * A host change of nothing but `last_seen` is a heartbeat: it is stored without an event or a
 * version bump, so agents reporting every few seconds do not flood the log.
 */
import { AppError } from '../shared/errors.js';
import type { Cluster, Host, InventoryAction, InventoryEntity, InventoryEventData, InventoryKind, Vm } from '../protocol/index.js';
import type { CreateNotificationInput } from './notification-input.js';
import type { HostReport, VmReport } from './inventory-input.js';
import { changedFields, type WriteContext } from './tx.js';

export const INVENTORY_TOPIC = 'inventory';

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
  /** An agent's report: the host, and its whole VM list when `vms` is given (reportHost below). */
  reportHost(
    ctx: WriteContext,
    hostId: string,
    patch: HostPatch,
    vms: readonly VmReport[] | undefined,
  ): Promise<{ host: Host; vms: readonly Vm[] | undefined; created: boolean }>;
  host(ctx: WriteContext, id: string): Promise<Host>;
  vm(ctx: WriteContext, hostId: string, name: string): Promise<Vm>;
}

/** What the mutations need from outside: the clock and the notifier. */
export interface InventoryMutationDeps {
  readonly now: () => Date;
  readonly notify: Notify;
  /** Resolves the host's condition when it reconnects; absent: nothing is resolved. */
  readonly resolve?: ResolveCondition | undefined;
}

export function notFound(what: string): AppError {
  return new AppError('not_found', `${what} not found`);
}

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

async function ensureCluster(deps: InventoryMutationDeps, ctx: WriteContext, id: string): Promise<void> {
  if ((await ctx.tx.inventory.cluster(id)) !== undefined) return;
  const at = deps.now().toISOString();
  const cluster: Cluster = { id, name: id, version: 1, created_at: at, updated_at: at };
  await ctx.tx.inventory.saveCluster(cluster, true);
  await emit(ctx, 'cluster', 'created', undefined, cluster);
}

async function hostTransition(deps: InventoryMutationDeps, ctx: WriteContext, before: Host, after: Host): Promise<void> {
  if (before.status === after.status) return;
  const related = { type: 'host', id: after.id, name: after.id };
  if (after.status === 'disconnected') {
    await deps.notify(ctx, {
      title: `Host ${after.id} disconnected`,
      message: `Host ${after.id} stopped answering and is unreachable.`,
      level: 'error',
      category: 'host',
      related_entity: related,
      condition_key: hostUnreachableKey(after.id),
    });
  } else if (before.status === 'disconnected') {
    await deps.resolve?.(ctx, hostUnreachableKey(after.id));
    await deps.notify(ctx, {
      title: `Host ${after.id} reconnected`,
      message: `Host ${after.id} is reachable again (${after.status}).`,
      level: 'info',
      category: 'host',
      related_entity: related,
    });
  }
}

/** A host as first seen, before its first report's fields are merged in. */
function newHost(id: string, at: string): Host {
  return {
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
}

/** A VM as first created, before its fields are merged in. */
function newVm(hostId: string, name: string, at: string): Vm {
  return { id: `${hostId}/${name}`, host_id: hostId, name, state: 'off', cpu_count: 1, memory_mb: 1024, version: 0, created_at: at, updated_at: at };
}

async function saveHost(deps: InventoryMutationDeps, ctx: WriteContext, id: string, patch: HostPatch, known?: { before: Host | undefined }): Promise<Host> {
  const before = known === undefined ? await ctx.tx.inventory.host(id) : known.before;
  if (patch.cluster_id !== undefined && patch.cluster_id !== null) await ensureCluster(deps, ctx, patch.cluster_id);
  const at = deps.now().toISOString();
  const base: Host = before ?? newHost(id, at);
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
  if (before !== undefined) await hostTransition(deps, ctx, before, host);
  return host;
}

/** One VM write: which VM, what changes, and whether it must be new (`create`), existing (`update`) or either. */
interface VmWrite {
  readonly hostId: string;
  readonly name: string;
  readonly patch: VmPatch;
  readonly mode: 'create' | 'update' | 'upsert';
}

async function saveVm(deps: InventoryMutationDeps, ctx: WriteContext, write: VmWrite): Promise<Vm> {
  if ((await ctx.tx.inventory.host(write.hostId)) === undefined) throw notFound(`host ${write.hostId}`);
  return putVm(deps, ctx, write, await ctx.tx.inventory.vm(write.hostId, write.name));
}

/** `saveVm` once the host is known to exist and the VM as it is (`before`) has been read. */
async function putVm(deps: InventoryMutationDeps, ctx: WriteContext, { hostId, name, patch, mode }: VmWrite, before: Vm | undefined): Promise<Vm> {
  if (before === undefined && mode === 'update') throw notFound(`VM ${hostId}/${name}`);
  if (before !== undefined && mode === 'create') throw new AppError('conflict', `VM ${hostId}/${name} already exists`);
  const at = deps.now().toISOString();
  const base: Vm = before ?? newVm(hostId, name, at);
  const merged: Vm = { ...base, ...patch };
  if (before !== undefined && Object.keys(changedFields(before, merged)).length === 0) return before;
  const vm: Vm = { ...merged, version: base.version + 1, updated_at: at };
  await ctx.tx.inventory.saveVm(vm, before === undefined);
  await emit(ctx, 'vm', before === undefined ? 'created' : 'updated', before, vm);
  return vm;
}

async function deleteKnownVm(deps: InventoryMutationDeps, ctx: WriteContext, before: Vm): Promise<Vm> {
  await ctx.tx.inventory.deleteVm(before.host_id, before.name);
  const gone: Vm = { ...before, version: before.version + 1, updated_at: deps.now().toISOString() };
  await emit(ctx, 'vm', 'deleted', before, gone);
  return gone;
}

export function createInventoryMutations(deps: InventoryMutationDeps): InventoryMutations {
  const mutations: InventoryMutations = {
    saveHost: (ctx, id, patch) => saveHost(deps, ctx, id, patch),
    saveVm: (ctx, hostId, name, patch, mode) => saveVm(deps, ctx, { hostId, name, patch, mode }),

    deleteVm: async (ctx, hostId, name) => deleteKnownVm(deps, ctx, await mutations.vm(ctx, hostId, name)),
    reportHost: (ctx, hostId, patch, vms) => reportHost(deps, ctx, hostId, patch, vms),

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
  return mutations;
}

/**
 * An agent's report of a host and (when `vms` is given) its whole VM list, inside the caller's
 * transaction: the host saved, VMs no longer listed deleted, the listed ones upserted. The host
 * and its VMs are read once, not once per VM, so a report of N VMs costs three reads and a write
 * per change rather than 2N + 4 reads. Returns the host, the VMs as they now are, and whether the
 * host is new.
 */
async function reportHost(
  deps: InventoryMutationDeps,
  ctx: WriteContext,
  hostId: string,
  patch: HostPatch,
  reported: readonly VmReport[] | undefined,
): Promise<{ host: Host; vms: readonly Vm[] | undefined; created: boolean }> {
  const before = await ctx.tx.inventory.host(hostId);
  const host = await saveHost(deps, ctx, hostId, patch, { before });
  if (reported === undefined) return { host, vms: undefined, created: before === undefined };
  const existing = new Map((before === undefined ? [] : await ctx.tx.inventory.vms(hostId)).map((vm) => [vm.name, vm]));
  const listed = new Set(reported.map((vm) => vm.name));
  for (const old of existing.values()) if (!listed.has(old.name)) await deleteKnownVm(deps, ctx, old);
  for (const { name, ...patch } of reported) existing.set(name, await putVm(deps, ctx, { hostId, name, patch, mode: 'upsert' }, existing.get(name)));
  // Read again for the answer: the store's order (its collation), as GET /hosts/{h}/vms gives it.
  return { host, vms: await ctx.tx.inventory.vms(hostId), created: before === undefined };
}
