/**
 * The IPC bus for `WORKERS=N` without Redis: each worker delivers its own events locally and sends
 * them to the cluster primary, which relays them to every other worker (`relayBus` in
 * cluster.ts). Node's IPC channel is reliable and ordered while both ends live; a worker that
 * restarts reads the store afresh.
 */
import type { TopicEvent } from '../store/types.js';
import { createMemoryBus } from './memory.js';
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

/**
 * A bus over this worker's IPC channel (`process` in a cluster worker): the in-process bus for
 * local delivery, plus forwarding to the primary and delivering what it relays from the others.
 */
export function createIpcBus(channel: IpcChannel, workerId: number): Bus {
  const local = createMemoryBus();
  const onMessage = (message: unknown): void => {
    if (!isIpcEnvelope(message) || message.origin === workerId) return;
    if (message.event !== undefined) local.publish(message.event);
    if (message.control !== undefined) local.publishControl(message.control);
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
    ...local,
    publish(event) {
      local.publish(event);
      send({ aetherBus: 1, origin: workerId, event });
    },
    publishControl(message) {
      local.publishControl(message);
      send({ aetherBus: 1, origin: workerId, control: message });
    },
    async close() {
      channel.off('message', onMessage);
      await local.close();
    },
  };
}
