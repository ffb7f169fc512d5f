/**
 * Inventory: clusters, hosts and VMs. The service is its reads (`inventory-reads.ts`), the
 * mutations every write goes through (`inventory-mutations.ts`: versions, events, host
 * notifications, heartbeats) and here the commands that validate from unknown and run those
 * mutations in one transaction each.
 */
import type { Host, Vm } from '../protocol/index.js';
import type { Store } from '../store/types.js';
import { checkName, parseHostReport, parseVmCreate, parseVmUpdate } from './inventory-input.js';
import { createInventoryMutations, type InventoryMutations, type Notify, type ResolveCondition } from './inventory-mutations.js';
import { createInventoryReads, type InventoryReads } from './inventory-reads.js';
import type { Writer } from './tx.js';

export { INVENTORY_TOPIC, type HostPatch, type InventoryMutations, type Notify, type VmPatch } from './inventory-mutations.js';

/** The inventory's writes from outside: REST bodies and agent reports, validated from unknown. */
export interface InventoryCommands {
  /** An agent's report (validated from unknown; no body is a heartbeat): the host's state and optionally its complete VM list. */
  reportHost(hostId: string, input: unknown): Promise<{ host: Host; vms: readonly Vm[] | undefined; created: boolean }>;
  createVm(input: unknown): Promise<Vm>;
  updateVm(hostId: string, name: string, input: unknown): Promise<Vm>;
  deleteVm(hostId: string, name: string): Promise<void>;
  /** Marks `connected` hosts not heard from since `cutoff` (ISO) `disconnected`; returns their ids. */
  markStale(cutoff: string): Promise<readonly string[]>;
}

export interface InventoryService extends InventoryReads, InventoryCommands {
  readonly mutations: InventoryMutations;
}

export interface InventoryServiceOptions {
  readonly store: Store;
  readonly write: Writer;
  readonly notify: Notify;
  /** Resolves the host's condition when it reconnects (NotificationService.resolveIn). */
  readonly resolve?: ResolveCondition;
  readonly now?: () => Date;
}

function createInventoryCommands(write: Writer, mutations: InventoryMutations, now: () => Date): InventoryCommands {
  return {
    async reportHost(hostId, input) {
      checkName('host', hostId);
      const report = parseHostReport(input ?? {});
      const { vms: reportedVms, ...patch } = report;
      return write((ctx) => mutations.reportHost(ctx, hostId, { ...patch, last_seen: now().toISOString() }, reportedVms));
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
  };
}

export function createInventoryService(options: InventoryServiceOptions): InventoryService {
  const now = options.now ?? (() => new Date());
  const mutations = createInventoryMutations({ now, notify: options.notify, resolve: options.resolve });
  return { mutations, ...createInventoryReads(options.store), ...createInventoryCommands(options.write, mutations, now) };
}
