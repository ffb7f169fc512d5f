/**
 * Presence across instances, Phoenix-style: every instance is the authority on its own
 * connections. It tells the others each change at once (`presence_delta`), and its whole local
 * membership every PRESENCE_HEARTBEAT_MS (`presence_heartbeat`, in parts within
 * PRESENCE_HEARTBEAT_MAX_BYTES), which repairs whatever a lost delta broke and proves it alive.
 * Every instance merges what each origin said (presence-state.ts); an origin not heard from for
 * PRESENCE_INSTANCE_TIMEOUT_MS is dropped, its members leaving unless they are present elsewhere.
 * A starting instance, or one whose bus came back, asks for heartbeats (`presence_sync`); one
 * shutting down says `presence_bye`, and its members go after the grace period (its clients
 * reconnect elsewhere meanwhile, so nobody leaves and joins again).
 */
import type { Bus, ControlMessage } from '../bus/types.js';
import type { PresenceConfig } from '../config/presence.js';
import type { PresenceDirectory, PresenceSink } from '../core/index.js';
import type { Logger } from '../shared/logger.js';
import { createLocalPresence } from './presence-local.js';
import { createPresenceState, type PresenceEntry } from './presence-state.js';
import { PRESENCE_BYE, PRESENCE_DELTA, PRESENCE_HEARTBEAT, PRESENCE_SYNC, heartbeatParts, readPresenceWire, type PresenceWire } from './presence-wire.js';

export interface ClusterPresence extends PresenceDirectory {
  readonly instanceId: string;
  /** The other instances heard from within PRESENCE_INSTANCE_TIMEOUT_MS that have not said goodbye. */
  peers(): readonly string[];
  /** Says `presence_bye`, stops the timers and lets go of the bus. */
  close(): void;
}

type Heartbeat = PresenceWire & { kind: typeof PRESENCE_HEARTBEAT };
interface Assembly {
  readonly seq: number;
  readonly parts: number;
  readonly got: Map<number, Heartbeat>;
}

/** Collects a heartbeat's parts per origin; the whole membership once every part of one `seq` is in. */
function assembled(assemblies: Map<string, Assembly>, message: Heartbeat): PresenceEntry[] | undefined {
  let assembly = assemblies.get(message.origin);
  if (assembly === undefined || assembly.seq !== message.seq || assembly.parts !== message.parts) {
    assembly = { seq: message.seq, parts: message.parts, got: new Map() };
    assemblies.set(message.origin, assembly);
  }
  assembly.got.set(message.part, message);
  if (assembly.got.size < assembly.parts) return undefined;
  assemblies.delete(message.origin);
  return [...assembly.got.values()].flatMap((m) => m.entries);
}

/** The other instances: when each is taken for gone, and which said goodbye (not peers any more). */
interface Liveness {
  heard(origin: string, bye: boolean): void;
  /** Forgets and returns the origins whose time is up. */
  expired(): string[];
  peers(): readonly string[];
}

function createLiveness(config: PresenceConfig): Liveness {
  /** origin → when it is taken for gone (epoch ms). */
  const deadlines = new Map<string, number>();
  const leaving = new Set<string>();
  return {
    heard(origin, bye) {
      deadlines.set(origin, Date.now() + (bye ? config.leaveGraceMs : config.instanceTimeoutMs));
      if (bye) leaving.add(origin);
      else leaving.delete(origin);
    },
    expired() {
      const now = Date.now();
      const gone = [...deadlines].filter(([, deadline]) => deadline <= now).map(([origin]) => origin);
      for (const origin of gone) {
        deadlines.delete(origin);
        leaving.delete(origin);
      }
      return gone;
    },
    peers: () => [...deadlines.keys()].filter((origin) => !leaving.has(origin)),
  };
}

export function startPresence(deps: {
  readonly bus: Bus;
  readonly config: PresenceConfig;
  readonly logger: Logger;
  /** This instance's name on the bus (the admin API's too: newInstanceId()). */
  readonly instanceId: string;
}): ClusterPresence {
  const { bus, config, logger } = deps;
  const self = deps.instanceId;
  let sink: PresenceSink = () => undefined;
  const state = createPresenceState({ self, maxMembers: config.maxMembers, sink: (topic, action, member) => sink(topic, action, member) });
  const liveness = createLiveness(config);
  const assemblies = new Map<string, Assembly>();
  const assemble = (message: Heartbeat): void => {
    const whole = assembled(assemblies, message);
    if (whole !== undefined) state.replace(message.origin, whole, message.seq);
  };
  let seq = 0;
  const publish = (message: PresenceWire): void => bus.publishControl(message as unknown as ControlMessage);
  const local = createLocalPresence(config.leaveGraceMs, (entry) => {
    seq += 1;
    state.apply(self, entry, seq);
    publish({ kind: PRESENCE_DELTA, origin: self, seq, entry });
  });

  function heartbeat(): void {
    const { parts, dropped } = heartbeatParts(self, seq, local.entries(), config.heartbeatMaxBytes);
    if (dropped > 0) logger.warn({ dropped }, 'presence: entries larger than PRESENCE_HEARTBEAT_MAX_BYTES left out of the heartbeat');
    for (const part of parts) publish(part);
  }

  function receive(control: ControlMessage): void {
    const message = readPresenceWire(control);
    if (message === undefined || message.origin === self) return;
    liveness.heard(message.origin, message.kind === PRESENCE_BYE);
    switch (message.kind) {
      case PRESENCE_SYNC:
        heartbeat();
        break;
      case PRESENCE_DELTA:
        state.apply(message.origin, message.entry, message.seq);
        break;
      case PRESENCE_HEARTBEAT:
        assemble(message);
        break;
      case PRESENCE_BYE:
        break;
    }
  }

  function sweep(): void {
    for (const origin of liveness.expired()) {
      assemblies.delete(origin);
      logger.info({ origin }, 'presence: instance gone; its members leave');
      state.drop(origin);
    }
  }

  const unsubscribe = bus.subscribeControl(receive);
  const unresync = bus.onResync(() => publish({ kind: PRESENCE_SYNC, origin: self }));
  const beat = setInterval(heartbeat, config.heartbeatMs);
  const sweeper = setInterval(sweep, Math.max(50, Math.min(config.heartbeatMs, config.leaveGraceMs || config.heartbeatMs, 1000)));
  beat.unref();
  sweeper.unref();
  publish({ kind: PRESENCE_SYNC, origin: self });
  heartbeat();

  return {
    instanceId: self,
    peers: () => liveness.peers(),
    join: (topic, connectionId, user) => local.join(topic, connectionId, user),
    leave: (topic, connectionId) => local.leave(topic, connectionId),
    members: (topic) => state.members(topic),
    listen(next) {
      sink = next;
    },
    close() {
      clearInterval(beat);
      clearInterval(sweeper);
      publish({ kind: PRESENCE_BYE, origin: self });
      unsubscribe();
      unresync();
      local.close();
    },
  };
}
