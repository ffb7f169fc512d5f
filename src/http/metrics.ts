/**
 * Prometheus metrics (`GET /metrics`): the hub's traffic through the HubObserver hooks, plus
 * gauges collected at scrape time and Node's default process metrics (event-loop lag included).
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Hub, HubObserver, SubscriptionCount } from '../core/index.js';
import type { HttpConnections } from './connection-cap.js';

export interface Metrics {
  readonly registry: Registry;
  readonly observer: HubObserver;
  /** Wires the scrape-time gauges once the hub and store exist. */
  bind(sources: { hub: Hub; eventLogSize: () => Promise<number>; http?: HttpConnections }): void;
  readonly connectRefused: Counter<'reason'>;
}

/** What the scrape-time gauges read; empty until `bind`. */
interface Bound {
  hub?: Hub;
  eventLogSize?: () => Promise<number>;
  http?: HttpConnections;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'aether_', eventLoopMonitoringPrecision: 20 });
  const traffic = registerTraffic(registry);
  const bound: Bound = {};
  registerHubGauges(registry, bound);
  registerEdgeGauges(registry, bound);
  return {
    registry,
    connectRefused: traffic.refused,
    bind(sources) {
      bound.hub = sources.hub;
      bound.eventLogSize = sources.eventLogSize;
      bound.http = sources.http;
    },
    observer: traffic.observer,
  };
}

/** The hub's traffic counters and the HubObserver that feeds them. */
function registerTraffic(registry: Registry): { observer: HubObserver; refused: Counter<'reason'> } {
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
  const observer: HubObserver = {
    connected: () => opened.inc(),
    disconnected: (code) => closes.inc({ code: String(code) }),
    refused: (reason) => refused.inc({ reason }),
    messageIn: () => {
      hot.messagesIn += 1;
    },
    messageOut: (bytes, frames) => {
      hot.messagesOut += frames;
      hot.bytesOut += bytes;
    },
    resumed: (recovered) => resumes.inc({ recovered: String(recovered) }),
    slowConsumer: () => slow.inc(),
  };
  return { observer, refused };
}

/** Open sockets and subscriptions, read from the hub at scrape time. */
function registerHubGauges(registry: Registry, bound: Bound): void {
  new Gauge({
    name: 'aether_ws_connections',
    help: 'Open WebSocket connections',
    registers: [registry],
    collect() {
      this.set(bound.hub?.size ?? 0);
    },
  });
  // Per family, never per entity: topic names are client-chosen, a label per name is unbounded.
  const families = (name: string, help: string, pick: (c: SubscriptionCount) => number) =>
    new Gauge({
      name: `aether_${name}`,
      help,
      labelNames: ['family'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [family, count] of bound.hub?.subscriptionCounts() ?? []) this.set({ family }, pick(count));
      },
    });
  families('ws_subscriptions', 'Subscriptions per topic family (a socket on jobs:1 and jobs:2 counts 2)', (c) => c.subscriptions);
  families('ws_subscribed_topics', 'Distinct topic names with at least one subscriber, per family', (c) => c.topics);
}

/** The HTTP server's connections and the event log's size, read at scrape time. */
function registerEdgeGauges(registry: Registry, bound: Bound): void {
  new Gauge({
    name: 'aether_http_connections',
    help: 'Open TCP connections to the HTTP server (WebSockets, keep-alive and in-flight requests)',
    registers: [registry],
    collect() {
      this.set(bound.http?.open ?? 0);
    },
  });
  let httpRefusedReported = 0;
  new Counter({
    name: 'aether_http_connections_refused_total',
    help: 'Connections closed at accept because HTTP_MAX_CONNECTIONS were already open',
    registers: [registry],
    collect() {
      const refusedNow = bound.http?.refused ?? 0;
      this.inc(refusedNow - httpRefusedReported);
      httpRefusedReported = refusedNow;
    },
  });
  new Gauge({
    name: 'aether_event_log_events',
    help: 'Events held in the event log for resume',
    registers: [registry],
    async collect() {
      if (bound.eventLogSize !== undefined) this.set(await bound.eventLogSize());
    },
  });
}
