/**
 * The PostgreSQL bus: LISTEN/NOTIFY between instances on one database, for a cluster without
 * Redis. Loaded only when DATABASE_URL is a postgres URL and REDIS_URL is unset (wiring.ts imports
 * it dynamically).
 *
 * - NOTIFY carries offsets, never events: `{"o": instance, "h": {"notifications": 41, …}}` says
 *   "these topics advanced to these offsets". Every instance reads the events from the log the
 *   store already keeps (log-follower.ts), so NOTIFY's 8000-byte payload limit never matters.
 *   Publishes in one tick, and while one NOTIFY is in flight, share the next NOTIFY.
 * - Control messages (session revocation) travel whole on their own channel; they are small.
 * - An instance delivers its own events locally at publish and ignores its own NOTIFYs.
 * - A dropped LISTEN connection reconnects (postgres-listen.ts), then reads every topic from its
 *   last known offset to the head and runs the `onResync` listeners: nothing is lost.
 * - The bus's small pool also holds the state instances share without Redis: the used ws-token
 *   ids (`claimJti`) and the rate-limit counters (auth/limits.ts, `rate_limits`).
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../shared/logger.js';
import type { TopicEvent } from '../store/types.js';
import { createLogFollower, type EventLog, type LogFollower } from './log-follower.js';
import { startListener, type Listener } from './postgres-listen.js';
import type { Bus, ControlMessage } from './types.js';

export interface PostgresBusOptions {
  readonly url: string;
  /** The store's event log: what a NOTIFY points at is read from here. */
  readonly log: EventLog;
  readonly logger: Logger;
  /** Identifies this instance in every NOTIFY; random by default. */
  readonly instanceId?: string;
  /** First reconnect delay of the LISTEN connection (doubling up to 2 s); default 50 ms. */
  readonly retryMinMs?: number;
}

export interface PostgresBus extends Bus {
  readonly instanceId: string;
  /** The bus's pool, for shared state (rate limits). */
  readonly pool: pg.Pool;
  /** Marks a ws-token id used until `expiresAtMs`; false when some instance already used it. */
  claimJti(jti: string, expiresAtMs: number): Promise<boolean>;
}

export const EVENTS_CHANNEL = 'aether_v_events';
export const CONTROL_CHANNEL = 'aether_v_control';
/** NOTIFY refuses payloads of 8000 bytes or more; stay well below. */
const MAX_PAYLOAD_BYTES = 7000;
const JTI_PRUNE_INTERVAL_MS = 60_000;

interface Envelope {
  readonly o?: unknown;
  readonly h?: unknown;
  readonly c?: unknown;
}

/** The `{topic: offset}` of an events NOTIFY, keeping only well-formed entries. */
function heads(value: unknown): [string, number][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).filter((e): e is [string, number] => Number.isSafeInteger(e[1]) && (e[1] as number) > 0);
}

/** Coalesces "topic advanced to offset" and sends it, one NOTIFY in flight at a time. */
function createNotifier(pool: pg.Pool, instanceId: string, logger: Logger): { note(event: TopicEvent): void } {
  const pending = new Map<string, number>();
  let sending = false;
  const flush = async (): Promise<void> => {
    while (pending.size > 0) {
      const payloads: string[] = [];
      let h: Record<string, number> = {};
      for (const [topic, offset] of pending) {
        const next = { ...h, [topic]: offset };
        if (Object.keys(h).length > 0 && Buffer.byteLength(JSON.stringify({ o: instanceId, h: next })) > MAX_PAYLOAD_BYTES) {
          payloads.push(JSON.stringify({ o: instanceId, h }));
          h = { [topic]: offset };
        } else h = next;
      }
      payloads.push(JSON.stringify({ o: instanceId, h }));
      pending.clear();
      for (const payload of payloads) {
        await pool.query('select pg_notify($1, $2)', [EVENTS_CHANNEL, payload]).catch((err: unknown) => {
          // The others read it from the store on the next NOTIFY of the topic or their periodic catch-up.
          logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'postgres bus: NOTIFY failed');
        });
      }
    }
  };
  return {
    note(event) {
      pending.set(event.topic, Math.max(pending.get(event.topic) ?? 0, event.offset));
      if (sending) return;
      sending = true;
      setImmediate(() => void flush().finally(() => (sending = false)));
    },
  };
}

/** NOTIFYs a control message to the other instances (whole: they are small). */
function sendControl(pool: pg.Pool, instanceId: string, message: ControlMessage, logger: Logger): void {
  const payload = JSON.stringify({ o: instanceId, c: message });
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
    logger.error({ kind: message.kind }, 'postgres bus: control message too large for NOTIFY; not sent to other instances');
    return;
  }
  pool.query('select pg_notify($1, $2)', [CONTROL_CHANNEL, payload]).catch((err: unknown) => {
    // The others revalidate their sessions against the store when their LISTEN comes back.
    logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'postgres bus: control NOTIFY failed');
  });
}

/** A `claimJti` over the `ws_token_jti` table (migration 0004): one INSERT, expired rows pruned now and then. */
function createJtiClaim(pool: pg.Pool): (jti: string, expiresAtMs: number) => Promise<boolean> {
  let prunedAt = 0;
  return async (jti, expiresAtMs) => {
    const nowMs = Date.now();
    if (nowMs - prunedAt > JTI_PRUNE_INTERVAL_MS) {
      prunedAt = nowMs;
      await pool.query('delete from ws_token_jti where expires_at < $1', [nowMs]);
    }
    // An expired row with the same id (never, for random ids) may be taken again.
    const { rowCount } = await pool.query(
      'insert into ws_token_jti (jti, expires_at) values ($1, $2) on conflict (jti) do update set expires_at = excluded.expires_at where ws_token_jti.expires_at < $3',
      [jti, expiresAtMs, nowMs],
    );
    return rowCount === 1;
  };
}

/** Handles one NOTIFY: other instances' heads go to the follower, their control messages to the subscribers. */
function createDispatch(
  instanceId: string,
  follower: Pick<LogFollower, 'advance'>,
  controlSubscribers: ReadonlySet<(message: ControlMessage) => void>,
  logger: Logger,
): (channel: string, payload: string) => void {
  return (channel, payload) => {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload) as Envelope;
    } catch {
      logger.warn({ channel }, 'postgres bus: ignoring a NOTIFY that is not JSON');
      return;
    }
    if (envelope.o === instanceId) return;
    if (channel === EVENTS_CHANNEL) for (const [topic, offset] of heads(envelope.h)) follower.advance(topic, offset);
    else if (channel === CONTROL_CHANNEL && isControl(envelope.c)) for (const deliver of controlSubscribers) deliver(envelope.c);
  };
}

function isControl(value: unknown): value is ControlMessage {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

/** LISTENs, reads the log's heads and returns the bus; rejects when PostgreSQL is unreachable at start. */
export async function createPostgresBus(options: PostgresBusOptions): Promise<PostgresBus> {
  const instanceId = options.instanceId ?? randomUUID();
  const { logger } = options;
  const eventSubscribers = new Set<(event: TopicEvent) => void>();
  const controlSubscribers = new Set<(message: ControlMessage) => void>();
  const resyncListeners = new Set<() => void>();
  const follower = createLogFollower(
    options.log,
    (event) => {
      for (const deliver of eventSubscribers) deliver(event);
    },
    logger,
  );
  const onNotification = createDispatch(instanceId, follower, controlSubscribers, logger);
  const onBack = (): void => {
    follower.catchUp().catch((err: unknown) => logger.warn({ err }, 'postgres bus: catch-up after reconnect failed; the periodic catch-up retries'));
    for (const listener of resyncListeners) listener();
  };

  const pool = new pg.Pool({ connectionString: options.url, max: 3, application_name: 'aether-v-bus' });
  // An idle client that loses its server emits 'error' on the pool; without a listener that kills the process.
  pool.on('error', () => undefined);
  let listener: Listener | undefined;
  try {
    listener = await startListener({
      url: options.url,
      channels: [EVENTS_CHANNEL, CONTROL_CHANNEL],
      applicationName: `aether-v-listen ${instanceId.slice(0, 8)}`,
      onNotification,
      onBack,
      logger,
      ...(options.retryMinMs === undefined ? {} : { retryMinMs: options.retryMinMs }),
    });
    await follower.start();
  } catch (err) {
    await listener?.close();
    await pool.end();
    throw new Error(`DATABASE_URL: cannot LISTEN on PostgreSQL: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const notifier = createNotifier(pool, instanceId, logger);
  const started = listener;

  return {
    instanceId,
    pool,
    claimJti: createJtiClaim(pool),
    publish(event) {
      follower.local(event);
      for (const deliver of eventSubscribers) deliver(event);
      notifier.note(event);
    },
    subscribe(deliver) {
      eventSubscribers.add(deliver);
      return () => eventSubscribers.delete(deliver);
    },
    publishControl(message) {
      for (const deliver of controlSubscribers) deliver(message);
      sendControl(pool, instanceId, message, logger);
    },
    subscribeControl(deliver) {
      controlSubscribers.add(deliver);
      return () => controlSubscribers.delete(deliver);
    },
    ready: () => started.listening(),
    onResync(listener) {
      resyncListeners.add(listener);
      return () => resyncListeners.delete(listener);
    },
    async close() {
      follower.close();
      eventSubscribers.clear();
      controlSubscribers.clear();
      resyncListeners.clear();
      await started.close();
      await pool.end();
    },
  };
}
