/**
 * Inventory reads: each one a store snapshot; `snapshot` is what a subscriber to `inventory` (or
 * `inventory:<host>`) gets first, with the log position it was read at.
 */
import type { Cluster, Host, InventorySnapshot, Position, Vm, VmState } from '../protocol/index.js';
import type { Store, StoreTx } from '../store/types.js';
import { INVENTORY_TOPIC, notFound } from './inventory-mutations.js';

export interface InventoryReads {
  all(): Promise<InventorySnapshot>;
  hosts(): Promise<readonly Host[]>;
  vmsOf(hostId: string): Promise<readonly Vm[]>;
  vms(filter?: { state?: VmState | undefined }): Promise<readonly Vm[]>;
  vm(hostId: string, name: string): Promise<Vm>;
  /** Everything, or with `hostIds` those hosts, their VMs and their clusters. */
  snapshot(hostIds?: readonly string[]): Promise<{ data: { inventory: InventorySnapshot }; position: Position }>;
}

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

export function createInventoryReads(store: Store): InventoryReads {
  return {
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
    snapshot: (hostIds) =>
      store.read(async (tx) => ({
        data: { inventory: hostIds === undefined ? await readAll(tx) : await readHosts(tx, hostIds) },
        position: await tx.position(INVENTORY_TOPIC),
      })),
  };
}
