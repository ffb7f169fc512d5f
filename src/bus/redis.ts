/**
 * The Redis bus: pub/sub between instances. Loaded only when REDIS_URL is set (wiring.ts imports
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

/** This instance's listeners: events and control messages (its own and the others'), and resyncs. */
interface Listeners {
  readonly events: Set<(event: TopicEvent) => void>;
  readonly control: Set<(message: ControlMessage) => void>;
  readonly resync: Set<() => void>;
}

/** The subscriber connection as its handlers and the bus share it. */
interface Subscriber {
  readonly sub: Redis;
  readonly eventsChannel: string;
  readonly controlChannel: string;
  readonly instanceId: string;
  readonly listeners: Listeners;
  readonly logger: Logger;
  subscribed: boolean;
  closed: boolean;
  lostSince: number | undefined;
}

/** Hands a message from Redis to the listeners, unless this instance published it. */
function receive(s: Subscriber, channel: string, raw: string): void {
  let envelope: Envelope;
  try {
    envelope = JSON.parse(raw) as Envelope;
  } catch {
    s.logger.warn({ channel }, 'redis bus: ignoring a message that is not JSON');
    return;
  }
  if (envelope.origin === s.instanceId) return;
  if (channel === s.eventsChannel && envelope.event !== undefined) for (const deliver of s.listeners.events) deliver(envelope.event);
  else if (channel === s.controlChannel && envelope.control !== undefined) for (const deliver of s.listeners.control) deliver(envelope.control);
}

/** Notes an outage when the subscriber drops, and after it reconnects resubscribes and runs the resync listeners. */
function watchSubscriber(s: Subscriber): void {
  const { sub, logger } = s;
  sub.on('close', () => {
    if (s.closed || !s.subscribed) return;
    s.subscribed = false;
    s.lostSince = Date.now();
    logger.warn({ channel: s.eventsChannel }, 'redis bus lost; events from other instances wait for the catch-up');
  });
  sub.on('ready', () => {
    if (s.closed || s.lostSince === undefined) return;
    sub.subscribe(s.eventsChannel, s.controlChannel).then(
      () => {
        s.subscribed = true;
        logger.info({ outageMs: Date.now() - (s.lostSince ?? Date.now()) }, 'redis bus back; catching up from the store');
        s.lostSince = undefined;
        for (const listener of s.listeners.resync) listener();
      },
      (err: unknown) => logger.warn({ err }, 'redis resubscribe failed; retrying on the next reconnect'),
    );
  });
  sub.on('message', (channel: string, raw: string) => receive(s, channel, raw));
}

/** Connects both connections and subscribes; on failure disconnects both and rejects naming REDIS_URL. */
async function start(pub: Redis, s: Subscriber): Promise<void> {
  try {
    await Promise.all([pub.connect(), s.sub.connect()]);
    await s.sub.subscribe(s.eventsChannel, s.controlChannel);
  } catch (err) {
    s.closed = true;
    pub.disconnect();
    s.sub.disconnect();
    throw new Error(`REDIS_URL: cannot reach Redis: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  s.subscribed = true;
}

/** QUIT when connected (lets Redis drop us cleanly), but never wait on a Redis that is away. */
async function quit(conn: Redis): Promise<void> {
  if (conn.status === 'ready') await Promise.race([conn.quit().catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
  conn.disconnect();
}

/** Connects both connections and subscribes; rejects when Redis is unreachable at start. */
export async function createRedisBus(options: RedisBusOptions): Promise<RedisBus> {
  const instanceId = options.instanceId ?? randomUUID();
  const { logger } = options;
  const pub = connect(options.url, 'publisher');
  const listeners: Listeners = { events: new Set(), control: new Set(), resync: new Set() };
  const s: Subscriber = {
    sub: connect(options.url, 'subscriber'),
    eventsChannel: `${options.prefix}:events`,
    controlChannel: `${options.prefix}:control`,
    instanceId,
    listeners,
    logger,
    subscribed: false,
    closed: false,
    lostSince: undefined,
  };
  for (const [name, conn] of [
    ['publisher', pub],
    ['subscriber', s.sub],
  ] as const) {
    conn.on('error', (err: Error) => logger.debug({ err: err.message, connection: name }, 'redis connection error'));
  }
  watchSubscriber(s);
  await start(pub, s);

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
      for (const deliver of listeners.events) deliver(event);
      send(s.eventsChannel, { origin: instanceId, event });
    },
    subscribe(deliver) {
      listeners.events.add(deliver);
      return () => listeners.events.delete(deliver);
    },
    publishControl(message) {
      for (const deliver of listeners.control) deliver(message);
      send(s.controlChannel, { origin: instanceId, control: message });
    },
    subscribeControl(deliver) {
      listeners.control.add(deliver);
      return () => listeners.control.delete(deliver);
    },
    ready: () => s.subscribed && pub.status === 'ready',
    onResync(listener) {
      listeners.resync.add(listener);
      return () => listeners.resync.delete(listener);
    },
    async close() {
      s.closed = true;
      listeners.events.clear();
      listeners.control.clear();
      listeners.resync.clear();
      await Promise.all([quit(s.sub), quit(pub)]);
    },
  };
}
