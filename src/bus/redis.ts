/**
 * The Redis bus: pub/sub between instances. Loaded only when REDIS_URL is set (server.ts imports
 * it dynamically).
 *
 * - Channels are `<prefix>:events` and `<prefix>:control`; the prefix lets deployments share a Redis.
 * - Publishing uses the command connection; subscribing needs its own connection (a subscribed
 *   Redis connection accepts no other commands).
 * - Every message carries the publishing instance's id: an instance delivers its own events
 *   locally at publish and ignores them when Redis echoes them back, so it never delivers twice.
 * - Redis pub/sub is at-most-once. While Redis is away nothing is queued (publishes fail fast);
 *   when the subscriber is back, `onResync` listeners run so the server catches up from the store.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../shared/logger.js';
import type { TopicEvent } from '../store/types.js';
import type { Bus, ControlMessage } from './types.js';

export interface RedisBusOptions {
  readonly url: string;
  readonly prefix: string;
  readonly logger: Logger;
  /** Identifies this instance in every message; random by default. */
  readonly instanceId?: string;
}

export interface RedisBus extends Bus {
  readonly instanceId: string;
  /** The command connection, for shared state (rate limits, used ws-token ids). */
  readonly client: Redis;
}

interface Envelope {
  readonly origin: string;
  readonly event?: TopicEvent;
  readonly control?: ControlMessage;
}

const RETRY_MAX_MS = 2000;

function connect(url: string, role: string): Redis {
  return new Redis(url, {
    connectionName: `aether-v-${role}`,
    // Never queue while disconnected: a publish during an outage is replaced by the catch-up.
    enableOfflineQueue: role !== 'publisher',
    maxRetriesPerRequest: role === 'publisher' ? 0 : null,
    autoResubscribe: false,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), RETRY_MAX_MS),
  });
}

/** Connects both connections and subscribes; rejects when Redis is unreachable at start. */
export async function createRedisBus(options: RedisBusOptions): Promise<RedisBus> {
  const instanceId = options.instanceId ?? randomUUID();
  const eventsChannel = `${options.prefix}:events`;
  const controlChannel = `${options.prefix}:control`;
  const { logger } = options;
  const pub = connect(options.url, 'publisher');
  const sub = connect(options.url, 'subscriber');
  const eventSubscribers = new Set<(event: TopicEvent) => void>();
  const controlSubscribers = new Set<(message: ControlMessage) => void>();
  const resyncListeners = new Set<() => void>();
  let subscribed = false;
  let closed = false;
  let lostSince: number | undefined;

  for (const [name, conn] of [
    ['publisher', pub],
    ['subscriber', sub],
  ] as const) {
    conn.on('error', (err: Error) => logger.debug({ err: err.message, connection: name }, 'redis connection error'));
  }
  sub.on('close', () => {
    if (closed || !subscribed) return;
    subscribed = false;
    lostSince = Date.now();
    logger.warn({ channel: eventsChannel }, 'redis bus lost; events from other instances wait for the catch-up');
  });
  sub.on('ready', () => {
    if (closed || lostSince === undefined) return;
    sub.subscribe(eventsChannel, controlChannel).then(
      () => {
        subscribed = true;
        logger.info({ outageMs: Date.now() - (lostSince ?? Date.now()) }, 'redis bus back; catching up from the store');
        lostSince = undefined;
        for (const listener of resyncListeners) listener();
      },
      (err: unknown) => logger.warn({ err }, 'redis resubscribe failed; retrying on the next reconnect'),
    );
  });
  sub.on('message', (channel: string, raw: string) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(raw) as Envelope;
    } catch {
      logger.warn({ channel }, 'redis bus: ignoring a message that is not JSON');
      return;
    }
    if (envelope.origin === instanceId) return;
    if (channel === eventsChannel && envelope.event !== undefined) for (const deliver of eventSubscribers) deliver(envelope.event);
    else if (channel === controlChannel && envelope.control !== undefined) for (const deliver of controlSubscribers) deliver(envelope.control);
  });

  try {
    await Promise.all([pub.connect(), sub.connect()]);
    await sub.subscribe(eventsChannel, controlChannel);
  } catch (err) {
    closed = true;
    pub.disconnect();
    sub.disconnect();
    throw new Error(`REDIS_URL: cannot reach Redis: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  subscribed = true;

  function send(channel: string, envelope: Envelope): void {
    pub.publish(channel, JSON.stringify(envelope)).catch((err: unknown) => {
      // Other instances fill the gap from the store when the next event or the reconnect comes.
      logger.debug({ err: err instanceof Error ? err.message : String(err), channel }, 'redis publish failed');
    });
  }

  return {
    instanceId,
    client: pub,
    publish(event) {
      for (const deliver of eventSubscribers) deliver(event);
      send(eventsChannel, { origin: instanceId, event });
    },
    subscribe(deliver) {
      eventSubscribers.add(deliver);
      return () => eventSubscribers.delete(deliver);
    },
    publishControl(message) {
      for (const deliver of controlSubscribers) deliver(message);
      send(controlChannel, { origin: instanceId, control: message });
    },
    subscribeControl(deliver) {
      controlSubscribers.add(deliver);
      return () => controlSubscribers.delete(deliver);
    },
    ready: () => subscribed && pub.status === 'ready',
    onResync(listener) {
      resyncListeners.add(listener);
      return () => resyncListeners.delete(listener);
    },
    async close() {
      closed = true;
      eventSubscribers.clear();
      controlSubscribers.clear();
      resyncListeners.clear();
      // QUIT when connected (lets Redis drop us cleanly), but never wait on a Redis that is away.
      const quit = async (conn: Redis): Promise<void> => {
        if (conn.status === 'ready') await Promise.race([conn.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
        conn.disconnect();
      };
      await Promise.all([quit(sub), quit(pub)]);
    },
  };
}
