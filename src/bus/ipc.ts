/**
 * The IPC bus for `WORKERS=N` without Redis: each worker delivers its own events locally and sends
 * them to the cluster primary, which relays them to every other worker (`relayBus` in
 * cluster.ts). Node's IPC channel is reliable and ordered while both ends live; a worker that
 * restarts reads the store afresh.
 */
import type { TopicEvent } from '../store/types.js';
import type { Bus, ControlMessage } from './types.js';

/** The message on the IPC channel; `aetherBus` marks it as ours among other IPC traffic. */
export interface IpcEnvelope {
  readonly aetherBus: 1;
  readonly origin: number;
  readonly event?: TopicEvent;
  readonly control?: ControlMessage;
}

export function isIpcEnvelope(message: unknown): message is IpcEnvelope {
  return typeof message === 'object' && message !== null && (message as { aetherBus?: unknown }).aetherBus === 1;
}

export interface IpcChannel {
  send(message: IpcEnvelope): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  off(event: 'message', listener: (message: unknown) => void): void;
}

/** A bus over this worker's IPC channel (`process` in a cluster worker). */
export function createIpcBus(channel: IpcChannel, workerId: number): Bus {
  const eventSubscribers = new Set<(event: TopicEvent) => void>();
  const controlSubscribers = new Set<(message: ControlMessage) => void>();
  const onMessage = (message: unknown): void => {
    if (!isIpcEnvelope(message) || message.origin === workerId) return;
    if (message.event !== undefined) for (const deliver of eventSubscribers) deliver(message.event);
    if (message.control !== undefined) for (const deliver of controlSubscribers) deliver(message.control);
  };
  channel.on('message', onMessage);
  const send = (envelope: IpcEnvelope): void => {
    try {
      channel.send(envelope);
    } catch {
      // The primary is gone; this worker is about to exit with it.
    }
  };
  return {
    publish(event) {
      for (const deliver of eventSubscribers) deliver(event);
      send({ aetherBus: 1, origin: workerId, event });
    },
    subscribe(deliver) {
      eventSubscribers.add(deliver);
      return () => eventSubscribers.delete(deliver);
    },
    publishControl(message) {
      for (const deliver of controlSubscribers) deliver(message);
      send({ aetherBus: 1, origin: workerId, control: message });
    },
    subscribeControl(deliver) {
      controlSubscribers.add(deliver);
      return () => controlSubscribers.delete(deliver);
    },
    ready: () => true,
    onResync: () => () => undefined,
    async close() {
      channel.off('message', onMessage);
      eventSubscribers.clear();
      controlSubscribers.clear();
    },
  };
}
