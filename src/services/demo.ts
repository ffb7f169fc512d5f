/** DUMMY_DATA: a few notifications and an inventory so a fresh demo has something to show. */
import type { Logger } from '../shared/logger.js';
import type { NotificationService } from './notifications.js';
import { DEV_PRINCIPAL } from '../auth/principal.js';
import type { CreateNotificationInput } from './notification-input.js';
import type { InventoryService } from './inventory.js';

const SEED: readonly CreateNotificationInput[] = [
  { title: 'Welcome to Aether-V', message: 'Live updates are on: this list changes the moment something happens.', level: 'success', category: 'system' },
  {
    title: 'Host hv-03 disconnected',
    message: 'Host hv-03 stopped answering heartbeats.',
    level: 'error',
    category: 'host',
    related_entity: { type: 'host', id: 'hv-03' },
  },
  { title: 'VM web-01 started', message: 'VM web-01 on hv-01 is running.', level: 'info', category: 'vm', related_entity: { type: 'vm', id: 'hv-01/web-01' } },
  { title: 'Backup job finished', message: 'Nightly backup of cluster A completed in 12 minutes.', level: 'success', category: 'job' },
  {
    title: 'Memory pressure on hv-02',
    message: 'hv-02 is at 91% memory; consider migrating a VM.',
    level: 'warning',
    category: 'host',
    related_entity: { type: 'host', id: 'hv-02' },
  },
];

/** Seeds the demo notifications once (when the inbox is empty). */
export async function seedDemoData(service: NotificationService, logger: Logger): Promise<void> {
  const page = await service.list(DEV_PRINCIPAL, { limit: 1, unreadOnly: false });
  if (page.totalCount > 0) return;
  for (const input of SEED) await service.createNotification(input);
  logger.info({ count: SEED.length }, 'seeded demo notifications');
}

interface DemoHost {
  readonly id: string;
  readonly cluster: string;
  readonly status: 'connected' | 'disconnected';
  readonly cores: number;
  readonly memoryMb: number;
  readonly vms: readonly (readonly [name: string, state: 'running' | 'off' | 'paused' | 'saved', cpus: number, memoryMb: number])[];
}

const DEMO_HOSTS: readonly DemoHost[] = [
  {
    id: 'hv-01',
    cluster: 'cluster-a',
    status: 'connected',
    cores: 32,
    memoryMb: 262_144,
    vms: [
      ['web-01', 'running', 4, 8192],
      ['web-02', 'running', 4, 8192],
      ['db-01', 'running', 8, 32_768],
      ['cache-01', 'off', 2, 4096],
    ],
  },
  {
    id: 'hv-02',
    cluster: 'cluster-a',
    status: 'connected',
    cores: 32,
    memoryMb: 262_144,
    vms: [
      ['app-01', 'running', 4, 16_384],
      ['app-02', 'paused', 4, 16_384],
      ['ci-runner', 'off', 8, 16_384],
    ],
  },
  { id: 'hv-03', cluster: 'cluster-a', status: 'disconnected', cores: 16, memoryMb: 131_072, vms: [['legacy-erp', 'saved', 4, 8192]] },
  {
    id: 'hv-04',
    cluster: 'cluster-b',
    status: 'connected',
    cores: 64,
    memoryMb: 524_288,
    vms: [
      ['analytics', 'running', 16, 65_536],
      ['backup-proxy', 'running', 2, 4096],
      ['dev-box', 'off', 4, 8192],
    ],
  },
  { id: 'hv-05', cluster: 'cluster-b', status: 'disconnected', cores: 16, memoryMb: 131_072, vms: [['test-vm', 'off', 2, 2048]] },
];

/** Seeds two clusters, five hosts (two disconnected) and a dozen VMs, once (when there are no hosts). */
export async function seedDemoInventory(inventory: InventoryService, logger: Logger): Promise<void> {
  if ((await inventory.hosts()).length > 0) return;
  let vms = 0;
  for (const host of DEMO_HOSTS) {
    await inventory.reportHost(host.id, {
      cluster_id: host.cluster,
      status: host.status,
      cpu_cores: host.cores,
      memory_mb: host.memoryMb,
      cpu_usage_percent: host.status === 'connected' ? 20 + host.vms.length * 10 : 0,
      memory_usage_percent: host.status === 'connected' ? 30 + host.vms.length * 10 : 0,
      vms: host.vms.map(([name, state, cpu_count, memory_mb]) => ({ name, state, cpu_count, memory_mb })),
    });
    vms += host.vms.length;
  }
  logger.info({ hosts: DEMO_HOSTS.length, vms }, 'seeded demo inventory');
}
