/**
 * The inventory the page renders: clusters, hosts and VMs by id. Pure state, replaced by a
 * snapshot (`initial_state.data.inventory` or REST) and changed by `inventory` events, each
 * applied only when its version is newer than the one held (docs/PROTOCOL.md, inventory events).
 */
import type { Cluster, Host, InventoryAction, InventoryEventData, InventoryKind, InventorySnapshot, Vm } from '../protocol/index.js';

export interface InventoryState {
  readonly clusters: ReadonlyMap<string, Cluster>;
  readonly hosts: ReadonlyMap<string, Host>;
  readonly vms: ReadonlyMap<string, Vm>;
  /** False until the first snapshot. */
  readonly loaded: boolean;
}

export interface InventoryStore {
  state(): InventoryState;
  onChange(listener: () => void): void;
  /** A snapshot: replaces everything. */
  replace(snapshot: InventorySnapshot): void;
  /** An `inventory` event; returns whether it changed anything (false when stale). */
  apply(action: InventoryAction, data: InventoryEventData): boolean;
}

/** A cluster's hosts (or, for `null`, the hosts in no known cluster) by name, each with its VMs by name. */
export interface HostGroup {
  readonly cluster: Cluster | null;
  readonly hosts: ReadonlyArray<{ readonly host: Host; readonly vms: readonly Vm[] }>;
}

const byId = <T extends { id: string }>(list: readonly T[]): Map<string, T> => new Map(list.map((e) => [e.id, e]));
const byName = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function createInventoryStore(): InventoryStore {
  const maps: Record<InventoryKind, Map<string, Cluster | Host | Vm>> = { cluster: new Map(), host: new Map(), vm: new Map() };
  let loaded = false;
  const listeners: Array<() => void> = [];
  const changed = (): void => listeners.forEach((l) => l());

  return {
    state: () => ({
      clusters: maps.cluster as ReadonlyMap<string, Cluster>,
      hosts: maps.host as ReadonlyMap<string, Host>,
      vms: maps.vm as ReadonlyMap<string, Vm>,
      loaded,
    }),
    onChange: (listener) => void listeners.push(listener),
    replace(snapshot) {
      maps.cluster = byId(snapshot.clusters);
      maps.host = byId(snapshot.hosts);
      maps.vm = byId(snapshot.vms);
      loaded = true;
      changed();
    },
    apply(action, data) {
      const map = maps[data.kind] as Map<string, Cluster | Host | Vm> | undefined;
      if (map === undefined) return false;
      // Events come in log order, so an entity that is not held is new (a re-created one starts at 1 again).
      const held = map.get(data.id)?.version ?? 0;
      if (data.version <= held) return false;
      if (action === 'deleted' && !map.delete(data.id)) return false;
      if (action !== 'deleted') map.set(data.id, { ...data.entity, version: data.version } as Cluster | Host | Vm);
      changed();
      return true;
    },
  };
}

/** Clusters by name (then hosts without a known cluster), hosts by name, VMs by name. */
export function groupHosts(state: InventoryState): HostGroup[] {
  const vmsOf = new Map<string, Vm[]>();
  for (const vm of state.vms.values()) {
    const list = vmsOf.get(vm.host_id) ?? [];
    list.push(vm);
    vmsOf.set(vm.host_id, list);
  }
  const entry = (host: Host) => ({ host, vms: (vmsOf.get(host.id) ?? []).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) });
  const hosts = [...state.hosts.values()].sort(byName);
  const groups: HostGroup[] = [...state.clusters.values()].sort(byName).map((cluster) => ({
    cluster,
    hosts: hosts.filter((h) => h.cluster_id === cluster.id).map(entry),
  }));
  const loose = hosts.filter((h) => h.cluster_id === null || !state.clusters.has(h.cluster_id));
  if (loose.length > 0) groups.push({ cluster: null, hosts: loose.map(entry) });
  return groups;
}

/** Counts for the summary line: hosts per status and VMs per state. */
export function countBy<T, K extends string>(items: Iterable<T>, key: (item: T) => K): Map<K, number> {
  const counts = new Map<K, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
