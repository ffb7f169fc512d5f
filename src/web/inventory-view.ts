/**
 * The Inventory view: clusters → hosts (status badge, last seen, CPU and memory) → VMs (state
 * badge, vCPUs, memory). A host's card is rebuilt only when the host or one of its VMs changed.
 */
import type { Host, Vm } from '../protocol/index.js';
import { badge, HOST_LOOKS, VM_LOOKS } from './badges.js';
import { byId, h } from './dom.js';
import { countBy, groupHosts, type InventoryState } from './inventory-state.js';
import { refreshTimes } from './item.js';
import type { RowActions } from './row-actions.js';
import { viewHref } from './router.js';
import { absoluteTime, relativeTime } from './time.js';

export function formatMemory(mb: number): string {
  if (mb >= 1024 * 1024) return `${+(mb / 1024 / 1024).toFixed(1)} TiB`;
  if (mb >= 1024) return `${+(mb / 1024).toFixed(1)} GiB`;
  return `${mb} MiB`;
}

function usage(label: string, total: string, percent: number): HTMLElement {
  return h(
    'span',
    { class: 'usage' },
    h('span', { class: 'usage-label' }, `${label} ${total}`),
    h('meter', { min: '0', max: '100', low: '70', high: '90', optimum: '0', value: String(percent), 'aria-label': `${label} used` }),
    h('span', { class: 'usage-value' }, `${percent}% used`),
  );
}

function lastSeen(host: Host, nowMs: number): HTMLElement {
  if (host.last_seen === null) return h('span', { class: 'last-seen' }, 'Never seen');
  const time = h('time', { datetime: host.last_seen, title: absoluteTime(host.last_seen) }, relativeTime(host.last_seen, nowMs));
  return h('span', { class: 'last-seen' }, 'Last seen ', time);
}

function vmRow(vm: Vm, actions: RowActions | undefined): HTMLTableRowElement {
  const cell = actions?.cell({ kind: 'vm', id: vm.id, state: vm.state, host: vm.host_id, vm: vm.name });
  return h(
    'tr',
    { 'data-vm': vm.id },
    h('th', { scope: 'row' }, vm.name),
    h('td', {}, badge(VM_LOOKS, vm.state, `VM ${vm.name}`)),
    h('td', { class: 'num' }, String(vm.cpu_count)),
    h('td', { class: 'num' }, formatMemory(vm.memory_mb)),
    ...(cell === undefined ? [] : [h('td', { class: 'actions' }, cell)]),
  );
}

function hostCard(host: Host, vms: readonly Vm[], nowMs: number, actions: RowActions | undefined): HTMLLIElement {
  const cell = actions?.cell({ kind: 'host', id: host.id, state: host.status, host: host.id });
  const head = h(
    'div',
    { class: 'host-head' },
    h('h3', { class: 'host-name' }, h('a', { href: viewHref('inventory', { host: host.id }) }, host.id)),
    badge(HOST_LOOKS, host.status, `Host ${host.id}`),
    lastSeen(host, nowMs),
    ...(cell === undefined ? [] : [cell]),
  );
  const resources = h(
    'div',
    { class: 'host-resources' },
    usage('CPU', `${host.cpu_cores} cores`, host.cpu_usage_percent),
    usage('Memory', formatMemory(host.memory_mb), host.memory_usage_percent),
  );
  const table =
    vms.length === 0
      ? h('p', { class: 'no-vms' }, 'No VMs')
      : h(
          'table',
          { class: 'vms' },
          h('caption', { class: 'sr-only' }, `VMs on ${host.id}`),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'VM'),
              h('th', { scope: 'col' }, 'State'),
              h('th', { scope: 'col', class: 'num' }, 'vCPUs'),
              h('th', { scope: 'col', class: 'num' }, 'Memory'),
              ...(actions === undefined ? [] : [h('th', { scope: 'col' }, 'Actions')]),
            ),
          ),
          h('tbody', {}, ...vms.map((vm) => vmRow(vm, actions))),
        );
  return h('li', { class: `host host-${host.status}`, 'data-host': host.id }, head, resources, table);
}

function summary(state: InventoryState): string {
  const parts = (counts: Map<string, number>): string => [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
  const hosts = countBy(state.hosts.values(), (x) => x.status);
  const vms = countBy(state.vms.values(), (x) => x.state);
  return `${state.hosts.size} hosts (${parts(hosts) || 'none'}) · ${state.vms.size} VMs (${parts(vms) || 'none'})`;
}

export interface InventoryView {
  render(state: InventoryState): void;
  tick(): void;
}

/** `actions`, when given, adds each row's job actions (row-actions.ts). */
export function createInventoryView(now: () => number = Date.now, actions?: RowActions): InventoryView {
  const body = byId('inventory-body');
  const status = byId('inventory-status');
  const cards = new Map<string, { key: string; li: HTMLLIElement }>();
  return {
    render(state) {
      status.textContent = !state.loaded ? 'Loading inventory…' : state.hosts.size === 0 ? 'No hosts have reported yet.' : summary(state);
      const nowMs = now();
      const seen = new Set<string>();
      const sections = groupHosts(state).map((group) => {
        const items = group.hosts.map(({ host, vms }) => {
          seen.add(host.id);
          const key = `${host.version}|${host.last_seen ?? ''}|${vms.map((v) => `${v.id}@${v.version}`).join(',')}`;
          const card = cards.get(host.id);
          if (card !== undefined && card.key === key) return card.li;
          const li = hostCard(host, vms, nowMs, actions);
          cards.set(host.id, { key, li });
          return li;
        });
        const title = group.cluster === null ? 'Not in a cluster' : group.cluster.name;
        const count = h('span', { class: 'cluster-count' }, ` ${items.length} host${items.length === 1 ? '' : 's'}`);
        const label = group.cluster === null ? '' : h('span', { class: 'cluster-label' }, 'Cluster ');
        return h(
          'section',
          { class: 'cluster', 'data-cluster': group.cluster?.id ?? '' },
          h('h2', {}, label, title, count),
          items.length > 0 ? h('ul', { class: 'hosts' }, ...items) : h('p', { class: 'no-vms' }, 'No hosts'),
        );
      });
      for (const id of [...cards.keys()]) if (!seen.has(id)) cards.delete(id);
      actions?.keepOnly(new Set([...state.hosts.keys(), ...state.vms.keys()]));
      body.replaceChildren(...sections);
    },
    tick() {
      refreshTimes(body, now());
    },
  };
}
