#!/usr/bin/env node
/**
 * Benchmark orchestrator: ours against ws-raw, ws-cork, Socket.IO 4 and uWebSockets.js, each run
 * in turn on the same port with the same load generator. See bench/README.md.
 *
 *   node bench/run.mjs [--quick] [--runs N] [--servers ours,ws-raw,...] [--scenarios S1,S3,...] [--port N] [--cluster redis|postgres]
 *                      [--server-cpus 0] [--load-cpus 1] [--publishers N] [--workers 1,2,all]
 *
 * The orchestrator is also the publisher (or starts `--publishers N` of them); it pins itself to the
 * load CPUs (default 1) with the load workers, and each server to the server CPUs (default 0).
 * Everything it starts is bounded in time and stopped before it exits.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPublisher, hasTaskset, inLanes, is2xx, OURS_BENCH_LIMITS, pinSelf, startServer, startWorkers } from './lib/proc.mjs';
import { aggregate } from './lib/stats.mjs';
import { goalRatios, goalsMarkdown, latencySvg, markdownTable, sanityFlags } from './lib/report.mjs';
import * as S from './lib/scenarios.mjs';
import { s8, s9 } from './lib/churn.mjs';
import { parseCpuList, parseWorkers, placementLine } from './lib/cpus.mjs';
import { goalsUwsMarkdown, goalsVsUws } from './lib/goals-uws.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const preload = path.join(here, 'servers', 'preload.mjs');
const workerFile = path.join(here, 'load', 'worker.mjs');
const publisherFile = path.join(here, 'load', 'publisher.mjs');

// ---------------------------------------------------------------- arguments and parameters

/**
 * @typedef {{ keepLogs: boolean, quick: boolean, profile?: boolean, s4Events?: number, s5Events?: number, s5Rate?: number, s5WarmRounds?: number, s2Warm?: number, runs: number | undefined,
 *   servers: string[] | undefined, scenarios: string[] | undefined, port: number, build: boolean, cluster: string,
 *   serverCpus: string, loadCpus: string, publishers: number, workers: number[], baseDist?: string }} Args
 */

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {Args} */
  const a = {
    keepLogs: false,
    quick: false,
    runs: undefined,
    servers: undefined,
    scenarios: undefined,
    port: 18_765,
    build: true,
    cluster: 'redis',
    serverCpus: '0',
    loadCpus: '1',
    publishers: 1,
    workers: /** @type {number[]} */ ([]),
  };
  for (let i = 0; i < argv.length; i++) {
    const v = /** @type {string} */ (argv[i]);
    const val = () => /** @type {string} */ (v.includes('=') ? v.slice(v.indexOf('=') + 1) : argv[++i]);
    if (v === '--quick') a.quick = true;
    else if (v === '--no-build') a.build = false;
    else if (v === '--keep-logs') a.keepLogs = true;
    else if (v === '--profile') a.profile = true;
    else if (v.startsWith('--s4-events')) a.s4Events = Number(val());
    else if (v.startsWith('--s5-warm-rounds')) a.s5WarmRounds = Number(val());
    else if (v.startsWith('--s5-events')) a.s5Events = Number(val());
    else if (v.startsWith('--s5-rate')) a.s5Rate = Number(val());
    else if (v.startsWith('--s2-warm')) a.s2Warm = Number(val());
    else if (v.startsWith('--runs')) a.runs = Number(val());
    else if (v.startsWith('--servers')) a.servers = val().split(',');
    else if (v.startsWith('--scenarios')) a.scenarios = val().toUpperCase().split(',');
    else if (v.startsWith('--port')) a.port = Number(val());
    else if (v.startsWith('--server-cpus')) a.serverCpus = val();
    else if (v.startsWith('--load-cpus')) a.loadCpus = val();
    else if (v.startsWith('--publishers')) a.publishers = Number(val());
    else if (v.startsWith('--workers')) a.workers = parseWorkers(val());
    else if (v.startsWith('--base-dist')) a.baseDist = path.resolve(val());
    else if (v.startsWith('--cluster')) {
      a.cluster = val();
      if (!['redis', 'postgres'].includes(a.cluster)) throw new Error(`--cluster: redis or postgres, got ${a.cluster}`);
    } else if (v === '--help' || v === '-h') {
      process.stdout.write(fs.readFileSync(path.join(here, 'README.md'), 'utf8'));
      process.exit(0);
    } else throw new Error(`unknown argument ${v}`);
  }
  parseCpuList(a.serverCpus);
  parseCpuList(a.loadCpus);
  if (!Number.isInteger(a.publishers) || a.publishers < 1 || a.publishers > 64) throw new Error(`--publishers: 1..64, got ${a.publishers}`);
  return a;
}

const args = parseArgs(process.argv.slice(2));

const QUICK = {
  runs: 1,
  s1Counts: [1000, 2000],
  s2Count: 2000,
  s3WarmSeconds: 1,
  s3: [
    { subs: 1000, rate: 100, seconds: 5 },
    { subs: 2000, rate: 10, seconds: 5 },
  ],
  s4: [
    { subs: 1000, events: 300 },
    { subs: 2000, events: 150 },
  ],
  s5Topics: 100,
  s5PerTopic: 10,
  s5Events: 1000,
  s5WarmRounds: 10,
  s6Subs: 200,
  s6Rate: 50,
  s6Seconds: 10,
  s6PadBytes: 15_000,
  s7Subs: 1000,
  s7Missed: 20,
  s8: { clients: 300, rate: 20, seconds: 20, dropEveryMs: [3000, 6000], offlineMs: [1000, 1500] },
  s9: { clients: 300, rate: 20, instances: 3, gapMs: 3000, stopTimeoutMs: 30_000 },
};
const FULL = {
  runs: 3,
  s1Counts: [1000, 10_000, 19_000],
  s2Count: 10_000,
  s3WarmSeconds: 1,
  s3: [
    { subs: 1000, rate: 100, seconds: 10 },
    { subs: 10_000, rate: 10, seconds: 10 },
  ],
  s4: [
    { subs: 1000, events: 1000 },
    { subs: 10_000, events: 150 },
  ],
  s5Topics: 1000,
  s5PerTopic: 10,
  s5Events: 5000,
  s5WarmRounds: 10,
  s6Subs: 500,
  s6Rate: 50,
  s6Seconds: 10,
  s6PadBytes: 15_000,
  s7Subs: 10_000,
  s7Missed: 20,
  s8: { clients: 10_000, rate: 10, seconds: 60, dropEveryMs: [10_000, 20_000], offlineMs: [2000, 3000] },
  s9: { clients: 3000, rate: 20, instances: 3, gapMs: 5000, stopTimeoutMs: 30_000 },
};
const COMMON = {
  sampleEvery: 20, // one connection in 20 parses messages and records latency
  connectConcurrency: 200,
  stormConcurrency: 1000,
  burstConcurrency: 16,
  // S2's warm-up storm before the measured one (--s2-warm): none by default.
  s2Warm: 0,
  // S5's measured window: a burst (undefined), or paced at this many events per second (--s5-rate).
  s5Rate: /** @type {number | undefined} */ (undefined),
  settleMs: 1500,
  drainMs: 20_000,
};
const params = { ...COMMON, ...(args.quick ? QUICK : FULL) };
if (args.runs) params.runs = args.runs;
const s4Events = args.s4Events;
if (s4Events) params.s4 = params.s4.map((s) => ({ ...s, events: s4Events }));
if (args.s5Events !== undefined) params.s5Events = args.s5Events;
if (args.s5WarmRounds !== undefined) params.s5WarmRounds = args.s5WarmRounds;
if (args.s5Rate !== undefined) params.s5Rate = args.s5Rate;
if (args.s2Warm !== undefined) params.s2Warm = args.s2Warm;
/** @param {string} name @param {number} v @param {number} min */
const countOption = (name, v, min) => {
  if (!Number.isInteger(v) || v < min || v > 1_000_000) throw new Error(`${name}: an integer ${min}..1000000, got ${v}`);
};
countOption('--s5-events', params.s5Events, 1);
countOption('--s5-warm-rounds', params.s5WarmRounds, 0);
if (params.s5Rate !== undefined) countOption('--s5-rate', params.s5Rate, 1);
countOption('--s2-warm', params.s2Warm, 0);

// ---------------------------------------------------------------- the servers

/**
 * The one place the bench authenticates against ours: the real auth path. Ours runs with
 * AUTH_ENABLED=true and a static API token (random per run, or BENCH_API_TOKEN); every POST and
 * every upgrade carries it as a bearer token, so each connect is authenticated like a script's.
 * (ws-tokens are minted for browser sessions only; the API token is the automation path.)
 */
async function authFor(serverName) {
  if (!serverName.startsWith('ours')) return { http: {}, ws: {}, env: {}, method: 'none' };
  const token = benchToken;
  return {
    http: { authorization: `Bearer ${token}` },
    ws: { authorization: `Bearer ${token}` },
    env: { AUTH_ENABLED: 'true', ALLOW_DEV_AUTH: 'false', API_TOKEN: token, SESSION_SECRET_KEY: crypto.randomBytes(32).toString('hex') },
    method: 'API token (AUTH_ENABLED=true, bearer token on every POST and upgrade)',
  };
}
const benchToken = process.env.BENCH_API_TOKEN || crypto.randomBytes(24).toString('hex');

// BENCH_NODE_FLAGS: extra Node options for every Node server under test (`--trace-gc`, heap sizes).
const extraNodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
const node = (file) => [process.execPath, '--expose-gc', ...extraNodeFlags, '--import', preload, file];

function uwsAvailable() {
  const dir = path.join(here, 'node_modules', '@trufflesuite', 'uws-js-unofficial');
  if (!fs.existsSync(dir) && fs.existsSync(path.join(here, 'package-lock.json'))) {
    process.stdout.write('uws: installing the outside reference under bench/ (npm --prefix bench ci) ...\n');
    const r = spawnSync('npm', ['--prefix', here, 'ci', '--no-audit', '--no-fund'], { stdio: 'inherit', timeout: 180_000 });
    if (r.status !== 0) return 'npm --prefix bench ci failed';
  }
  const r = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(dir)}).App`], { encoding: 'utf8' });
  return r.status === 0 ? true : `does not load on Node ${process.version}: ${(r.stderr || '').split('\n').find((l) => l.trim()) ?? 'error'}`;
}

/**
 * S5 on ours: its entity topics for many subscribers are host topics, `inventory:<host>` (a host's
 * page), and an event on one is an agent's report, `PUT /api/v1/hosts/<host>`, with a changed CPU
 * figure. The hosts are created before the clients connect, so each subscribes with a one-host
 * snapshot. Inventory events carry no publisher timestamp: no latency for ours in this row.
 */
const OURS_S5 = {
  topicPrefix: 'inventory:h',
  async setup(pub, topics, concurrency) {
    const create = async (i) => is2xx(await pub.request('PUT', `/api/v1/hosts/h${i}`, { status: 'connected', cpu_cores: 16, cpu_usage_percent: 0 }));
    const { failed } = await inLanes(topics, concurrency, create);
    if (failed > 0) throw new Error(`S5 setup: ${failed} of ${topics} host reports (PUT /api/v1/hosts/h<i>) failed`);
  },
  method: 'PUT',
  path: (i, topics) => `/api/v1/hosts/h${i % topics}`,
  // Round r of the round-robin reports 1 + r % 100: every report changes the host, so each is one event.
  body: (i, topics) => ({ cpu_usage_percent: 1 + (Math.floor(i / topics) % 100) }),
  note: 'ours: host topics inventory:<host>, each event an agent report (PUT /api/v1/hosts/<host>); its events carry no publisher timestamp, so no p99',
};

const SERVERS = [
  {
    name: 'ours',
    argv: node(path.join(root, 'dist', 'main.js')),
    protocol: 'ws',
    prefix: '/ws?',
    resume: true,
    recovery: 'ours',
    cluster: true,
    topicPublish: false,
    s5: OURS_S5,
    workerRows: true,
  },
  {
    // Ours over Server-Sent Events (GET /sse, bench/load/lean-sse.mjs): memory and latency only.
    name: 'ours-sse',
    argv: node(path.join(root, 'dist', 'main.js')),
    protocol: 'sse',
    prefix: '/sse?',
    resume: true,
    topicPublish: false,
    scenarios: ['S1', 'S3'],
  },
  { name: 'ws-raw', argv: node(path.join(here, 'servers', 'ws-raw.mjs')), protocol: 'ws', prefix: '/ws?', topicPublish: true },
  { name: 'ws-cork', argv: node(path.join(here, 'servers', 'ws-raw.mjs')), env: { BENCH_CORK: '1' }, protocol: 'ws', prefix: '/ws?', topicPublish: true },
  {
    name: 'socket.io',
    argv: node(path.join(here, 'servers', 'socketio.mjs')),
    protocol: 'sio',
    prefix: '/socket.io/?EIO=4&transport=websocket&',
    topicPublish: true,
    backoff: 'socket.io',
  },
  {
    // Socket.IO with its connection state recovery: only in the churn scenarios, where it differs.
    name: 'socket.io-csr',
    argv: node(path.join(here, 'servers', 'socketio.mjs')),
    env: { BENCH_CSR: '1' },
    protocol: 'sio',
    prefix: '/socket.io/?EIO=4&transport=websocket&',
    recovery: 'socket.io',
    backoff: 'socket.io',
    cluster: true,
    scenarios: ['S8', 'S9'],
  },
  { name: 'uws', argv: node(path.join(here, 'servers', 'uws.mjs')), protocol: 'ws', prefix: '/ws?', topicPublish: true, optional: true },
];

// --base-dist DIR: another build of ours (e.g. main's, compiled elsewhere) as server "ours-base",
// run like ours in the same bench, so a change is measured before and after side by side.
if (args.baseDist) {
  const ours = /** @type {any} */ (SERVERS[0]);
  SERVERS.splice(1, 0, { ...ours, name: 'ours-base', argv: node(path.join(args.baseDist, 'main.js')), workerRows: false });
}

/** @typedef {[name: string, run: (ctx: any) => Promise<object>]} Scenario */
/** @type {Scenario[]} */
const SCENARIOS = [
  ['S1', (ctx) => S.s1(ctx)],
  ['S2', (ctx) => S.s2(ctx)],
  ...params.s3.map((s) => /** @type {Scenario} */ ([`S3 ${s.subs}x${s.rate}/s`, (ctx) => S.s3(ctx, s)])),
  ...params.s4.map((s) => /** @type {Scenario} */ ([`S4 burst ${s.subs}`, (ctx) => S.s4(ctx, s)])),
  // --workers: ours again with WORKERS=N (the cluster), one row per N, after the single-process rows.
  ...args.workers.flatMap((w) => [
    ...params.s3.map((s) => /** @type {Scenario} */ ([`S3 ${s.subs}x${s.rate}/s W${w}`, (ctx) => S.s3(ctx, s)])),
    ...params.s4.map((s) => /** @type {Scenario} */ ([`S4 burst ${s.subs} W${w}`, (ctx) => S.s4(ctx, s)])),
  ]),
  ['S5', (ctx) => S.s5(ctx)],
  ['S6', (ctx) => S.s6(ctx)],
  ['S7', (ctx) => S.s7(ctx)],
  ['S8', (ctx) => s8(ctx)],
  ['S9', (ctx) => s9(ctx, root)],
];

// ---------------------------------------------------------------- machine and provenance

function sh(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory_gb: Math.round(os.totalmem() / 1e9),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    load_average_at_start: os.loadavg().map((x) => Math.round(x * 100) / 100),
    open_files_limit: sh('bash', ['-c', 'ulimit -n']),
  };
}

// ---------------------------------------------------------------- main

async function main() {
  const started = new Date();
  const useTaskset = hasTaskset();
  if (useTaskset) pinSelf(args.loadCpus);
  const commit = sh('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown';
  const dirty = (sh('git', ['status', '--porcelain']) ?? '').length > 0;
  const mach = machine();

  let servers = SERVERS.filter((s) => !args.servers || args.servers.includes(s.name));
  const skipped = {};
  for (const s of servers.filter((x) => x.optional)) {
    const ok = uwsAvailable();
    if (ok !== true) skipped[s.name] = ok;
  }
  const scenarios = SCENARIOS.filter(([name]) => !args.scenarios || args.scenarios.some((x) => name.toUpperCase().startsWith(x)));

  if (servers.some((s) => s.name.startsWith('ours')) && args.build) {
    process.stdout.write('building ours (npm run build) ...\n');
    const r = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    if (r.status !== 0) throw new Error('npm run build failed');
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-bench-'));
  const header = [
    `Aether-V Realtime benchmark — ${args.quick ? 'quick' : 'full'} mode, ${params.runs} run(s) per figure${params.runs > 1 ? ' (median, min–max)' : ' (single run, no spread)'}`,
    `date ${started.toISOString()} · commit ${commit}${dirty ? ' (dirty tree)' : ''} · Node ${mach.node} · ${mach.cpu}, ${mach.cores} cores, ${mach.memory_gb} GB · ${mach.kernel}`,
    `pinning: ${useTaskset ? `server taskset -c ${args.serverCpus}, load generator and publisher taskset -c ${args.loadCpus}` : 'NOT pinned (taskset missing)'} · load average at start ${mach.load_average_at_start.join(' ')}`,
    placementLine(args),
  ];
  process.stdout.write(header.join('\n') + '\n');
  for (const [n, why] of Object.entries(skipped)) process.stdout.write(`skipping ${n}: ${why}\n`);

  const results = {};
  const active = servers.filter((s) => !skipped[s.name]);
  const deadline = Date.now() + (args.quick ? 20 : 120) * 60_000;
  // Scenario by scenario, and within one the servers take turns run by run (run 1 of each, then
  // run 2, …): a shared machine whose speed drifts over minutes moves every server's figures of a
  // row alike, where server after server put twenty minutes between two columns of one row.
  const auths = new Map();
  const serverSeqs = new Map();
  const runsOf = new Map();
  for (const def of active) {
    results[def.name] = {};
    auths.set(def.name, await authFor(def.name));
    serverSeqs.set(def.name, 0);
  }
  for (const [scenName, fn] of scenarios) {
    const wMatch = / W(\d+)$/.exec(scenName);
    const serverWorkers = wMatch ? Number(wMatch[1]) : undefined;
    const taking = active.filter(
      (def) => (!def.scenarios || def.scenarios.some((x) => scenName.startsWith(x))) && (serverWorkers === undefined || def.workerRows),
    );
    for (const def of taking) runsOf.set(`${def.name}\n${scenName}`, []);
    for (let r = 0; r < params.runs; r++) {
      for (const def of taking) {
        const auth = auths.get(def.name);
        const runs = runsOf.get(`${def.name}\n${scenName}`);
        if (Date.now() > deadline) {
          runs.push({ error: 'time budget exhausted' });
          continue;
        }
        let dataDir = null;
        const dataDirs = new Map(); // S9: one data directory per instance port
        const argv = args.profile ? [def.argv[0], '--cpu-prof', `--cpu-prof-dir=${path.join(here, 'results', 'profiles')}`, ...def.argv.slice(1)] : def.argv;
        const nextSeq = () => {
          const seq = serverSeqs.get(def.name) + 1;
          serverSeqs.set(def.name, seq);
          return seq;
        };
        const ctx = {
          def,
          params,
          port: args.port,
          cluster: args.cluster,
          auth,
          logFile: (what) => path.join(tmp, `${def.name}-${what}-${serverSeqs.get(def.name)}.log`),
          async startServer(opts = {}) {
            const port = opts.port ?? args.port;
            if (opts.port !== undefined) {
              if (!opts.reuse || !dataDirs.has(port)) dataDirs.set(port, fs.mkdtempSync(path.join(tmp, `${def.name}-${port}-`)));
              dataDir = dataDirs.get(port);
            } else if (!opts.reuse || dataDir === null) dataDir = fs.mkdtempSync(path.join(tmp, `${def.name}-`));
            const seq = nextSeq();
            return startServer({
              argv,
              cwd: root,
              port,
              pin: opts.pin ?? true,
              cpus: args.serverCpus,
              useTaskset,
              logFile: path.join(tmp, `${def.name}-${seq}.log`),
              env: {
                ...(def.env ?? {}),
                ...auth.env,
                HOST: '127.0.0.1',
                PORT: String(port),
                DATA_DIR: dataDir,
                WS_MAX_CONNECTIONS: '25000',
                ...OURS_BENCH_LIMITS,
                NOTIFICATION_RETENTION_COUNT: '1000000',
                ...(serverWorkers === undefined ? {} : { WORKERS: String(serverWorkers) }),
                ...(opts.env ?? {}),
              },
            });
          },
          startWorkers: (n, file = workerFile, opts = {}) => startWorkers(n, file, useTaskset, { cpus: args.loadCpus, ...opts }),
          startPublishers: (n) => startWorkers(n, publisherFile, useTaskset, { cpus: args.loadCpus, nice: false }),
          publishersCount: args.publishers,
          serverWorkers,
          // Where this row ran: every S3/S4 row carries it (the machine's cores, the pinning, WORKERS).
          placement: {
            machine_cores: mach.cores,
            server_cpus: args.serverCpus,
            load_cpus: args.loadCpus,
            publishers: args.publishers,
            workers: serverWorkers ?? 1,
          },
          publisher: () => createPublisher({ port: args.port, headers: auth.http }),
        };
        const t0 = Date.now();
        try {
          runs.push(await fn(ctx));
        } catch (err) {
          runs.push({ error: String(/** @type {any} */ (err)?.message ?? err) });
        }
        const last = runs[runs.length - 1];
        process.stdout.write(
          `${def.name.padEnd(10)} ${scenName.padEnd(18)} run ${r + 1}/${params.runs} ${((Date.now() - t0) / 1000).toFixed(1)}s ${JSON.stringify(last)}\n`,
        );
      }
    }
  }
  for (const def of active) {
    for (const [scenName] of scenarios) {
      const runs = runsOf.get(`${def.name}\n${scenName}`);
      if (runs !== undefined) results[def.name][scenName] = aggregate(runs);
    }
  }

  // ------------------------------------------------------------ output
  const names = servers.map((s) => s.name);
  const shown = names.filter((n) => !skipped[n]);
  const goals = goalRatios(results, params);
  const flags = sanityFlags(results, shown, params);
  const settings = {
    mode: args.quick ? 'quick' : 'full',
    ...params,
    port: args.port,
    cluster: args.cluster,
    server_cpus: args.serverCpus,
    load_cpus: args.loadCpus,
    publishers: args.publishers,
    workers_rows: args.workers,
    machine_cores: mach.cores,
    ours_auth: (await authFor('ours')).method,
    ours_env:
      'WS_MAX_CONNECTIONS=25000 WS_MAX_CONNECT_RATE=0 WS_MAX_CONNECTIONS_PER_USER=0 WS_MAX_CONNECTIONS_PER_IP=0 WS_COST_BUDGET_PER_USER=0 NOTIFICATION_RETENTION_COUNT=1000000 (fresh SQLite per scenario), logs to a file',
    load_generator:
      'lean raw-TCP WebSocket client (bench/load/lean-ws.mjs) in separate worker processes; Socket.IO spoken as engine.io v4 framing over it (no socket.io-client)',
    latency_clock: 'performance.timeOrigin + performance.now(), stamped by the publisher before the POST, read by sampling connections on receipt',
  };
  // A subset run (--servers / --scenarios / --profile / --s4-events) never overwrites the full table.
  const partial = Boolean(
    args.servers ||
    args.scenarios ||
    args.profile ||
    args.s4Events ||
    args.s5Events !== undefined ||
    args.s5Rate !== undefined ||
    args.s2Warm !== undefined ||
    args.s5WarmRounds !== undefined,
  );
  const uwsGoals = goalsVsUws(results, params, args.workers);
  const stem = `${settings.mode}${partial ? '-partial' : ''}`;
  const title = `Aether-V Realtime vs peers — ${settings.mode} mode, ${started.toISOString().slice(0, 16)}Z, commit ${commit}`;
  const md = [
    `# ${title}`,
    '',
    header.map((h) => `- ${h}`).join('\n'),
    `- servers: ${names.map((n) => (skipped[n] ? `${n} (skipped: ${skipped[n]})` : n)).join(', ')}`,
    `- settings: sample 1 in ${params.sampleEvery} connections; burst ${params.burstConcurrency} POSTs in flight${params.s2Warm > 0 ? `; S2 after a warm-up storm of ${params.s2Warm}` : ''}${params.s5Rate === undefined ? '' : `; S5's window paced at ${params.s5Rate} events/s`}; ours uses ${settings.ours_auth}; ${settings.load_generator}`,
    '',
    `${placementLine(args).replace(/^m/, 'M')}.`,
    '',
    markdownTable(results, shown, params, args.workers),
    '',
    `## Ours against uWebSockets.js (issue 21; ratios in the same run, ${mach.cores}-core machine)`,
    '',
    goalsUwsMarkdown(uwsGoals),
    '',
    '## Ours against the goals (issue 8)',
    '',
    goalsMarkdown(goals),
    '',
    '## Sanity',
    '',
    flags.length ? flags.map((f) => `- ${f}`).join('\n') : '- No scenario had every server top out at the same figure.',
    '',
    `Latency chart: ${stem}.svg. Raw numbers per run: ${stem}.json.`,
    '',
  ].join('\n');
  const outDir = path.join(here, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, `${stem}.md`), md);
  fs.writeFileSync(
    path.join(outDir, `${stem}.json`),
    JSON.stringify(
      {
        title,
        date: started.toISOString(),
        commit,
        dirty,
        machine: mach,
        settings,
        servers: names,
        skipped,
        results,
        goals,
        goals_vs_uws: uwsGoals,
        sanity: flags,
      },
      null,
      2,
    ) + '\n',
  );
  fs.writeFileSync(path.join(outDir, `${stem}.svg`), latencySvg(results, shown, params, title));
  process.stdout.write('\n' + md + '\n');
  if (args.keepLogs) process.stdout.write(`written: bench/results/${stem}.{md,json,svg}; server logs kept in ${tmp}\n`);
  else {
    fs.rmSync(tmp, { recursive: true, force: true });
    process.stdout.write(`written: bench/results/${stem}.{md,json,svg} (--keep-logs keeps the servers' logs)\n`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
