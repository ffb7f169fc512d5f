/**
 * The adversarial suite's yardstick: while an attack runs against a real server process, an honest
 * client keeps receiving the notifications a publisher creates, `/healthz` is polled, and the
 * server's resident memory is sampled from /proc. `underAttack` reports the worst `/healthz`
 * latency, the RSS growth and how many of the honest client's events arrived, and prints one line
 * per attack so the run shows the figures (the issue asks for them, not just a pass).
 */
import fs from 'node:fs';
import { connectClient, type Msg, type TestClient } from '../helpers/ws-client.js';
import { startServer, type ChildServer } from '../helpers/server.js';

export { startServer, type ChildServer };

/** Bounds the issue asks for on the 2-core machine. */
export const HEALTH_BOUND_MS = 100;
export const RSS_BOUND_MIB = 50;

export interface AttackReport {
  readonly name: string;
  /** Slowest `/healthz` answer seen while the attack ran (or the time it had waited, when still open). */
  readonly worstHealthMs: number;
  /** RSS at its highest during the attack minus RSS just before it, MiB. */
  readonly rssGrowthMiB: number;
  /** Notifications the publisher created during the attack, and how many the honest client received. */
  readonly published: number;
  readonly delivered: number;
}

export interface Honest {
  /** Opens the honest client's socket (default: dev auth, `notifications`). */
  connect?(server: ChildServer): Promise<TestClient>;
  /** Creates one notification the honest client must receive (default: POST without credentials). */
  publish?(server: ChildServer, title: string): Promise<void>;
}

/** Resident set size of a process, MiB (Linux). */
export function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) / 1024;
}

export async function devPublish(server: ChildServer, title: string, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ title, message: `${title}: details`, level: 'info', category: 'system' }),
  });
  if (res.status !== 201) throw new Error(`publish ${title}: ${res.status} ${await res.text()}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `/healthz` one request at a time every `everyMs`; `stop()` returns the worst latency,
 * counting a request still open at the end as its age.
 */
function watchHealth(url: string, everyMs = 20): { stop(): Promise<number> } {
  let worst = 0;
  let running = true;
  let openSince: number | undefined;
  const loop = (async () => {
    while (running) {
      openSince = performance.now();
      try {
        await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) }).then((r) => r.arrayBuffer());
      } catch {
        // a refused or timed-out probe still counts by its time
      }
      worst = Math.max(worst, performance.now() - openSince);
      openSince = undefined;
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      if (openSince !== undefined) worst = Math.max(worst, performance.now() - openSince);
      await Promise.race([loop, sleep(1000)]);
      return Math.round(worst);
    },
  };
}

/**
 * Runs `attack` against `server` while an honest client is served, and reports. The honest client
 * must receive every notification created during the attack (checked once the attack ends, with a
 * short grace period); the caller asserts the bounds (see `expectHeld`).
 */
export async function underAttack(name: string, server: ChildServer, attack: () => Promise<void>, honest: Honest = {}): Promise<AttackReport> {
  const pid = server.pid;
  if (pid === undefined) throw new Error('server is not running');
  const client = await (honest.connect ?? ((s) => connectClient(`${s.wsUrl}?topics=notifications`)))(server);
  await client.next((m) => m.type === 'initial_state', 10_000);
  const publish = honest.publish ?? ((s, title) => devPublish(s, title));
  const titles: string[] = [];
  const before = rssMiB(pid);
  let peak = before;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rssMiB(pid));
    } catch {
      // the process ended; the test will see that
    }
  }, 25);
  const health = watchHealth(server.url);
  let publishing = true;
  const publisher = (async () => {
    for (let i = 0; publishing && i < 10_000; i += 1) {
      const title = `honest ${name} ${i}`;
      titles.push(title);
      await publish(server, title);
      await sleep(100);
    }
  })();
  try {
    await attack();
  } finally {
    publishing = false;
    await publisher;
  }
  const worstHealthMs = await health.stop();
  clearInterval(sampler);
  peak = Math.max(peak, rssMiB(pid));
  const wanted = new Set(titles);
  const got = new Set<string>();
  const isHonest = (m: Msg): boolean => m.type === 'notification' && wanted.has(String((m.data as { title?: unknown } | undefined)?.title));
  const deadline = Date.now() + 5000;
  while (got.size < wanted.size && Date.now() < deadline) {
    for (const m of client.received) if (isHonest(m)) got.add(String((m.data as { title: string }).title));
    if (got.size < wanted.size) await sleep(50);
  }
  await client.close();
  const report: AttackReport = { name, worstHealthMs, rssGrowthMiB: Math.round((peak - before) * 10) / 10, published: titles.length, delivered: got.size };
  console.log(
    `[security] ${name}: worst /healthz ${report.worstHealthMs} ms, RSS +${report.rssGrowthMiB} MiB, honest client got ${report.delivered}/${report.published}`,
  );
  return report;
}

/** The bounds every attack must keep: the honest client got everything, /healthz and RSS stayed low. */
export function held(report: AttackReport): { healthOk: boolean; rssOk: boolean; honestOk: boolean } {
  return {
    healthOk: report.worstHealthMs < HEALTH_BOUND_MS,
    rssOk: report.rssGrowthMiB < RSS_BOUND_MIB,
    honestOk: report.published > 0 && report.delivered === report.published,
  };
}
