/**
 * DUMMY_DATA: demo notifications seeded into an empty inbox and a demo fleet into an empty
 * inventory, then (SIMULATOR_INTERVAL_MS above 0) the simulator that keeps the fleet moving.
 * Started once the sequencer listens on the bus, so the seeded events reach the hub like any other.
 */
import type { Logger as PinoLogger } from 'pino';
import type { Config } from '../config.js';
import { seedDemoData, seedDemoInventory } from '../services/demo.js';
import { createSimulator } from '../services/simulator.js';
import type { Services } from './services.js';

export interface Demo {
  /** Stops the simulator, waiting for its step in flight; nothing when there is none. */
  close(): Promise<void>;
}

export async function startDemo(config: Pick<Config, 'dummyData' | 'jobs'>, services: Services, logger: PinoLogger): Promise<Demo> {
  if (!config.dummyData) return { close: async () => {} };
  await seedDemoData(services.notifications, logger);
  await seedDemoInventory(services.inventory, logger);
  const intervalMs = config.jobs.simulatorIntervalMs;
  const simulator = intervalMs > 0 ? createSimulator({ inventory: services.inventory, jobs: services.jobs, logger, intervalMs }) : undefined;
  return {
    async close() {
      await simulator?.close();
    },
  };
}
