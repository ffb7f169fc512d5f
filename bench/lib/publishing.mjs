/**
 * How the bench publishes: the notification body, the open-loop stream (S3, S6) and the
 * closed-loop burst (S4, S5), in this process or split over `--publishers N` processes
 * (bench/load/publisher.mjs). With a share {index, of}, a process takes events i ≡ index (mod of)
 * of the whole stream, at the whole stream's due times, so N processes offer one uniform stream.
 */
import { inLanes, is2xx, nowMs, sleep } from './proc.mjs';

/** A notification create: metadata.t is the publisher's clock at the due time (latency origin). */
export function body(i, pad = '') {
  return { title: `bench ${i}`, message: 'bench', metadata: pad ? { t: nowMs(), i, pad } : { t: nowMs(), i } };
}

const NOTIFICATIONS = () => '/api/v1/notifications';

/**
 * Open-loop publishing at `rate` per second for `seconds`; t is stamped at the due time.
 * @param {any} pub
 * @param {number} rate
 * @param {number} seconds
 * @param {{ index?: number, of?: number, makeBody?: (i: number) => object, pathFor?: (i: number) => string, method?: string, first?: number }} [share]
 *   `first`: the stream's first event number (events first … first + rate·seconds − 1)
 */
export async function publishAtRate(
  pub,
  rate,
  seconds,
  { index = 0, of = 1, makeBody = (i) => body(i), pathFor = NOTIFICATIONS, method = 'POST', first = 0 } = {},
) {
  const n = first + Math.round(rate * seconds);
  const t0 = nowMs();
  let ok = 0;
  let failed = 0;
  const inflight = [];
  for (let i = first + index; i < n; i += of) {
    const due = t0 + ((i - first) * 1000) / rate;
    const wait = due - nowMs();
    if (wait > 1) await sleep(wait);
    inflight.push(pub.request(method, pathFor(i), makeBody(i)).then((s) => (is2xx(s) ? ok++ : failed++)));
  }
  await Promise.all(inflight);
  return { ok, failed, seconds: (nowMs() - t0) / 1000 };
}

/**
 * Closed-loop publishing of `total` events with `concurrency` requests in flight.
 * @param {any} pub
 * @param {number} total
 * @param {number} concurrency
 * @param {{ index?: number, of?: number, makeBody?: (i: number) => object, pathFor?: (i: number) => string, method?: string }} [share]
 */
export async function publishBurst(pub, total, concurrency, { index = 0, of = 1, makeBody = (i) => body(i), pathFor = NOTIFICATIONS, method = 'POST' } = {}) {
  const mine = Math.max(0, Math.ceil((total - index) / of));
  const t0 = nowMs();
  const r = await inLanes(mine, concurrency, async (j) => is2xx(await pub.request(method, pathFor(index + j * of), makeBody(index + j * of))));
  return { ...r, seconds: (nowMs() - t0) / 1000 };
}

/**
 * S3's and S4's publishers: this process (N = 1, as before the option existed) or N publisher
 * processes pinned with the load. Results merge: ok and failed add up, seconds is the longest.
 */
export function publisherGroup(ctx) {
  const n = ctx.publishersCount ?? 1;
  if (n <= 1) {
    const pub = ctx.publisher();
    return {
      atRate: (rate, seconds) => publishAtRate(pub, rate, seconds),
      burst: (total, concurrency) => publishBurst(pub, total, concurrency),
      close: async () => pub.close(),
    };
  }
  const pool = ctx.startPublishers(n);
  const merge = (rs) => ({
    ok: rs.reduce((a, r) => a + r.ok, 0),
    failed: rs.reduce((a, r) => a + r.failed, 0),
    seconds: Math.max(...rs.map((r) => r.seconds)),
  });
  const base = { port: ctx.port, headers: ctx.auth.http, of: n };
  return {
    atRate: async (rate, seconds) => merge(await pool.all((index) => ({ ...base, cmd: 'rate', rate, seconds, index }), (seconds + 60) * 1000)),
    burst: async (total, concurrency) =>
      merge(await pool.all((index) => ({ ...base, cmd: 'burst', total, concurrency: Math.max(1, Math.ceil(concurrency / n)), index }), 600_000)),
    close: () => pool.stop(),
  };
}
