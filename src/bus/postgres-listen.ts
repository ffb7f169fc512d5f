/**
 * The LISTEN side of the PostgreSQL bus: one dedicated connection (a pool would hand LISTEN to a
 * connection it may close) that LISTENs on the bus's channels and reconnects when it is dropped
 * (server restart, network, `pg_terminate_backend`), backing off up to `retryMaxMs`.
 *
 * NOTIFYs sent while it was away are gone for good: `onBack` runs once it LISTENs again, so the
 * caller reads from the store what it missed. LISTEN comes before that read, so nothing committed
 * after the read can be missed either.
 */
import pg from 'pg';
import type { Logger } from '../shared/logger.js';

export interface ListenOptions {
  readonly url: string;
  readonly channels: readonly string[];
  /** Shown in pg_stat_activity, so operators (and tests) can find the connection. */
  readonly applicationName: string;
  readonly onNotification: (channel: string, payload: string) => void;
  /** The connection LISTENs again after it was lost. */
  readonly onBack: (outageMs: number) => void;
  readonly logger: Logger;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

export interface Listener {
  /** Whether LISTEN is in place now. */
  listening(): boolean;
  close(): Promise<void>;
}

/** Quotes a channel name as an SQL identifier (LISTEN takes no bind parameters). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Connects and LISTENs; rejects when PostgreSQL is unreachable at start. */
export async function startListener(options: ListenOptions): Promise<Listener> {
  const { logger } = options;
  const retryMinMs = options.retryMinMs ?? 50;
  const retryMaxMs = options.retryMaxMs ?? 2000;
  let current: pg.Client | undefined;
  let closed = false;
  let lostSince: number | undefined;
  let attempts = 0;

  async function open(): Promise<void> {
    const client = new pg.Client({ connectionString: options.url, keepAlive: true, application_name: options.applicationName });
    const lost = (err?: Error): void => {
      if (current !== client) return;
      current = undefined;
      client.end().catch(() => undefined);
      if (closed) return;
      lostSince = Date.now();
      logger.warn({ err: err?.message }, 'postgres bus: LISTEN connection lost; events from other instances wait for the catch-up');
      retry();
    };
    client.on('notification', (msg) => {
      if (current === client && msg.payload !== undefined) options.onNotification(msg.channel, msg.payload);
    });
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      for (const channel of options.channels) await client.query(`LISTEN ${quoteIdent(channel)}`);
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    if (closed) {
      await client.end().catch(() => undefined);
      return;
    }
    current = client;
  }

  function retry(): void {
    const delayMs = Math.min(retryMinMs * 2 ** Math.min(attempts, 10), retryMaxMs);
    attempts += 1;
    setTimeout(() => {
      if (closed) return;
      open().then(
        () => {
          if (closed || current === undefined) return;
          const outageMs = Date.now() - (lostSince ?? Date.now());
          attempts = 0;
          lostSince = undefined;
          logger.info({ outageMs }, 'postgres bus: LISTEN connection back; catching up from the store');
          options.onBack(outageMs);
        },
        (err: unknown) => {
          logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'postgres bus: reconnect failed');
          retry();
        },
      );
    }, delayMs).unref();
  }

  await open();
  return {
    listening: () => current !== undefined,
    async close() {
      closed = true;
      const client = current;
      current = undefined;
      await client?.end().catch(() => undefined);
    },
  };
}
