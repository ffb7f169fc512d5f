/**
 * DUMMY_DATA's simulator: every `intervalMs` it does one thing a live fleet does — flips a VM's
 * state, starts a job (which the runner takes through its stages), changes a host's load, or now
 * and then loses a host or brings one back (which raises the host notifications). It goes through
 * the same services as REST, so everything it does is an ordinary event.
 */
import type { Principal } from '../auth/principal.js';
import type { Logger } from '../shared/logger.js';
import type { Host, Vm } from '../protocol/index.js';
import type { InventoryService } from './inventory.js';
import type { JobService } from './jobs.js';

export const SIMULATOR_PRINCIPAL: Principal = Object.freeze({ id: 'simulator', name: 'simulator', roles: ['admin'], method: 'system' });

export interface SimulatorOptions {
  readonly inventory: InventoryService;
  readonly jobs: JobService;
  readonly logger: Logger;
  readonly intervalMs: number;
  /** Random numbers in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

export interface Simulator {
  /** Runs one step now (tests). */
  step(): Promise<string>;
  close(): Promise<void>;
}

export function createSimulator(options: SimulatorOptions): Simulator {
  const { inventory, jobs, logger } = options;
  const random = options.random ?? Math.random;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> = Promise.resolve();

  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  const percent = (): number => Math.floor(10 + random() * 85);

  async function flipVm(vms: readonly Vm[]): Promise<string> {
    const vm = pick(vms);
    if (vm === undefined) return 'idle';
    const next = vm.state === 'running' ? pick(['off', 'paused', 'saved'] as const) : 'running';
    await inventory.updateVm(vm.host_id, vm.name, { state: next });
    return `vm ${vm.id} → ${next}`;
  }

  async function startJob(vms: readonly Vm[], connected: readonly Host[]): Promise<string> {
    const vm = pick(vms);
    const roll = random();
    if (vm === undefined) return 'idle';
    if (roll < 0.15 && connected.length > 2) {
      const host = pick(connected) as Host;
      await jobs.create({ type: 'host.maintenance', parameters: { host: host.id, enable: true } }, SIMULATOR_PRINCIPAL);
      return `job host.maintenance ${host.id}`;
    }
    const type = roll < 0.45 ? 'backup' : vm.state === 'running' ? 'vm.stop' : 'vm.start';
    const parameters =
      type === 'backup' ? { host: vm.host_id, vm: vm.name, target: 'nfs://backup01/vms', target_password: 'demo-secret' } : { host: vm.host_id, vm: vm.name };
    await jobs.create({ type, parameters }, SIMULATOR_PRINCIPAL);
    return `job ${type} ${vm.id}`;
  }

  async function step(): Promise<string> {
    const { hosts, vms } = await inventory.all();
    const connected = hosts.filter((h) => h.status === 'connected');
    const down = hosts.filter((h) => h.status !== 'connected');
    const live = vms.filter((vm) => connected.some((h) => h.id === vm.host_id));
    const roll = random();
    if (roll < 0.08 && connected.length > 2) {
      const host = pick(connected) as Host;
      await inventory.reportHost(host.id, { status: 'disconnected', cpu_usage_percent: 0, memory_usage_percent: 0 });
      return `host ${host.id} lost`;
    }
    if (roll < 0.2 && down.length > 0) {
      const host = pick(down) as Host;
      await inventory.reportHost(host.id, { status: 'connected', cpu_usage_percent: percent(), memory_usage_percent: percent() });
      return `host ${host.id} back`;
    }
    if (roll < 0.35) {
      const host = pick(connected);
      if (host === undefined) return 'idle';
      await inventory.reportHost(host.id, { cpu_usage_percent: percent(), memory_usage_percent: percent() });
      return `host ${host.id} load`;
    }
    if (roll < 0.65) return flipVm(live);
    return startJob(live, connected);
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      inFlight = step()
        .then((what) => logger.debug({ what }, 'simulator step'))
        .catch((err: unknown) => logger.warn({ err }, 'simulator step failed'))
        .finally(schedule);
    }, options.intervalMs);
    timer.unref();
  }
  schedule();

  return {
    step,
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await inFlight;
    },
  };
}
