/**
 * `/metrics` under `WORKERS=N`: whichever worker a scrape reaches asks the primary, which collects
 * every worker's registry with prom-client's AggregatorRegistry and answers with all of them. Each
 * worker's series carry a `worker` label (its cluster worker id), so one scrape shows every worker;
 * sum over `worker` for the process totals.
 */
import { AggregatorRegistry, type Registry } from 'prom-client';
import { AppError } from '../shared/errors.js';
import { createIpcRequester, type IpcProcess } from '../ipc-request.js';

export const METRICS_REQUEST = 'metrics';
/** prom-client gives up on a worker that does not answer within 5 s; the scrape waits a little longer. */
const SCRAPE_TIMEOUT_MS = 7000;

/** What `GET /metrics` serves: a Registry, or every worker's through the primary. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** A worker's `/metrics`: labels its own series and has the primary collect every worker's. */
export function clusterMetricsSource(local: Registry, workerId: number, proc: IpcProcess): MetricsSource {
  local.setDefaultLabels({ worker: String(workerId) });
  AggregatorRegistry.setRegistries([local]);
  // Constructing one makes this worker answer the primary's collection requests (prom-client).
  new AggregatorRegistry();
  const ask = createIpcRequester(proc, METRICS_REQUEST, SCRAPE_TIMEOUT_MS);
  return {
    contentType: local.contentType,
    async metrics() {
      let text: unknown;
      try {
        text = await ask(null);
      } catch (err) {
        throw new AppError('unavailable', `metrics of the other workers are unavailable: ${err instanceof Error ? err.message : String(err)}`, [], {
          cause: err,
        });
      }
      if (typeof text !== 'string') throw new AppError('unavailable', 'the cluster primary answered the metrics request with something else');
      return text;
    },
  };
}

/** The primary's side: every live worker's registry, collected and combined. */
export function clusterMetricsCollector(): () => Promise<string> {
  const aggregator = new AggregatorRegistry();
  return () => aggregator.clusterMetrics();
}
