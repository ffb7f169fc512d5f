/**
 * The store and the bus, opened together and closed together: the store first (migrated), then
 * the bus with the state instances share through it. Which store and which bus the configuration
 * picks is wiring.ts's decision; this only orders their opening and closing.
 */
import type { Logger as PinoLogger } from 'pino';
import type { Bus } from '../bus/types.js';
import type { Config } from '../config.js';
import type { Store } from '../store/types.js';
import { openBus, openStore, type SharedState } from '../wiring.js';

export interface StoreAndBus {
  readonly store: Store;
  readonly bus: Bus;
  /** What instances share (through Redis, PostgreSQL or the cluster primary); undefined for a lone process. */
  readonly shared: SharedState | undefined;
  /** True when the bus crosses instances (Redis or PostgreSQL): events it drops are read back from the store. */
  readonly crossInstance: boolean;
  /** Closes the bus, then the store. */
  close(): Promise<void>;
}

/** Opens the store, then the bus; when the bus fails to open, the store is closed again. */
export async function openStoreAndBus(config: Config, now: () => Date, logger: PinoLogger): Promise<StoreAndBus> {
  const store = await openStore(config, now, logger);
  let opened: Awaited<ReturnType<typeof openBus>>;
  try {
    opened = await openBus(config, logger, store);
  } catch (err) {
    await store.close();
    throw err;
  }
  const { bus, shared } = opened;
  return {
    store,
    bus,
    shared,
    crossInstance: opened.kind === 'redis' || opened.kind === 'postgres',
    async close() {
      await bus.close();
      await store.close();
    },
  };
}
