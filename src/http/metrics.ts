/**
 * Prometheus metrics (`GET /metrics`): the hub's traffic through the HubObserver hooks, plus
 * gauges collected at scrape time and Node's default process metrics (event-loop lag included).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Hub, HubObserver } from '../core/index.js';

export interface Metrics {
  readonly registry: Registry;
  readonly observer: HubObserver;
  /** Wires the scrape-time gauges once the hub and store exist. */
  bind(sources: { hub: Hub; eventLogSize: () => Promise<number> }): void;
  readonly connectRefused: Counter<'reason'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'aether_', eventLoopMonitoringPrecision: 20 });
  const c = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name: `aether_${name}`, help, labelNames, registers: [registry] });

  const opened = c('ws_connections_opened_total', 'WebSocket connections accepted');
  const closes = c('ws_closes_total', 'WebSocket connections closed, by close code', ['code']);
  const refused = c('ws_connections_refused_total', 'WebSocket connections refused, by reason', ['reason']);
  // Hot-path counts are plain numbers, folded into their counters at scrape time.
  const hot = { messagesIn: 0, messagesOut: 0, bytesOut: 0 };
  const folded = (name: string, help: string, key: keyof typeof hot) => {
    let reported = 0;
    return new Counter({
      name: `aether_${name}`,
      help,
      registers: [registry],
      collect() {
        this.inc(hot[key] - reported);
        reported = hot[key];
      },
    });
  };
  folded('ws_messages_in_total', 'Client messages received', 'messagesIn');
  folded('ws_messages_out_total', 'Frames sent to clients', 'messagesOut');
  folded('ws_bytes_out_total', 'Bytes of frames sent to clients (before compression)', 'bytesOut');
  const resumes = c('ws_resumes_total', 'Resume requests per topic, by outcome', ['recovered']);
  const slow = c('ws_slow_consumer_closes_total', 'Connections closed because their send buffer overflowed');

  const state: { hub?: Hub; eventLogSize?: () => Promise<number> } = {};
  new Gauge({
    name: 'aether_ws_connections',
    help: 'Open WebSocket connections',
    registers: [registry],
    collect() {
      this.set(state.hub?.size ?? 0);
    },
  });
  new Gauge({
    name: 'aether_ws_subscriptions',
    help: 'Subscribed connections per topic',
    labelNames: ['topic'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [topic, count] of state.hub?.subscriptionCounts() ?? []) this.set({ topic }, count);
    },
  });
  new Gauge({
    name: 'aether_event_log_events',
    help: 'Events held in the event log for resume',
    registers: [registry],
    async collect() {
      if (state.eventLogSize !== undefined) this.set(await state.eventLogSize());
    },
  });

  return {
    registry,
    connectRefused: refused,
    bind(sources) {
      state.hub = sources.hub;
      state.eventLogSize = sources.eventLogSize;
    },
    observer: {
      connected: () => opened.inc(),
      disconnected: (code) => closes.inc({ code: String(code) }),
      refused: (reason) => refused.inc({ reason }),
      messageIn: () => {
        hot.messagesIn += 1;
      },
      messageOut: (bytes) => {
        hot.messagesOut += 1;
        hot.bytesOut += bytes;
      },
      resumed: (recovered) => resumes.inc({ recovered: String(recovered) }),
      slowConsumer: () => slow.inc(),
    },
  };
}
