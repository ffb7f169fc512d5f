#!/usr/bin/env node
/**
 * The cost of one REST create on ours with nobody subscribed: server CPU µs per POST (from
 * /proc/<pid>/stat) and POSTs per second, with N POSTs in flight, for each WRITE_GROUP_MAX given
 * (default: 1, a transaction per write, against 64, the default group commit), in the same run.
 * Auth on (API token), SQLite (or PostgreSQL with --postgres: a fresh database per run on that
 * server, dropped afterwards), the server pinned to core 0 and this publisher to core 1.
 *
 * `--kind host` measures agents' host reports instead: `PUT /api/v1/hosts/<h>` round-robin over
 * `--hosts` hosts, each listing its `--vms` VMs, as an agent's periodic report does (the host's
 * usage figures move every time, so each report is one `inventory` event; its VMs stay as they were).
 *
 *   node bench/publish-cost.mjs [--posts 6000] [--rounds 3] [--concurrency 16] [--groups 1,64] [--port 18767]
 *                               [--postgres postgres://user@127.0.0.1:5432/postgres] [--kind notification|host]
 *                               [--hosts 50] [--vms 10|none] [--profile DIR] [--dist DIR] [--base-dist DIR]
 *
 * `--dist DIR` runs another build of ours than ./dist (DIR/main.js). `--base-dist DIR` adds a second
 * build (say main's, built in a worktree) as `ours-base`, on the next port, with the rounds of the
 * two interleaved and a ratio per round: on a shared host whose speed drifts by 2× within a
 * minute, that is the comparison that holds.
 * `--profile DIR` starts the servers with `--cpu-prof` and writes their profiles there (one per
 * build and WRITE_GROUP_MAX; `node bench/profile-summary.mjs DIR/*.cpuprofile` summarises them).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionReader } from './lib/cli.mjs';
import pg from 'pg';
import { createPublisher, hasTaskset, inLanes, nowMs, oursEnv, pinSelf, procCpuMicros, startServer } from './lib/proc.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const opt = optionReader();
const posts = Number(opt('posts', 6000));
const rounds = Number(opt('rounds', 3));
const concurrency = Number(opt('concurrency', 16));
const groups = String(opt('groups', '1,64')).split(',').map(Number);
const port = Number(opt('port', 18_767));
const postgres = opt('postgres', undefined);
const profileDir = opt('profile', undefined);
const dist = path.resolve(opt('dist', path.join(root, 'dist')));
const baseDistOpt = opt('base-dist', undefined);
const baseDist = baseDistOpt === undefined ? undefined : path.resolve(baseDistOpt);
if (baseDist !== undefined && !fs.existsSync(path.join(baseDist, 'main.js'))) throw new Error(`--base-dist: ${path.join(baseDist, 'main.js')} is missing`);
/** @type {Array<[string, number]>} */
const checked = [['posts', posts], ['rounds', rounds], ['concurrency', concurrency], ...groups.map((g) => /** @type {[string, number]} */ (['groups', g]))];
for (const [name, v] of checked) {
  if (!Number.isInteger(v) || v < 1 || v > 1_000_000) throw new Error(`--${name}: expected a positive integer, got ${v}`);
}
if (!fs.existsSync(path.join(dist, 'main.js'))) throw new Error(`${path.join(dist, 'main.js')} is missing: run \`npm run build\` first`);

const useTaskset = hasTaskset();
if (useTaskset) pinSelf(1);
const token = crypto.randomBytes(24).toString('hex');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-publish-cost-'));

const kind = String(opt('kind', 'notification'));
const hosts = Number(opt('hosts', 50));
const vmsOpt = String(opt('vms', 10));
/** `--vms none`: usage-only reports without a VM list (what S5's reports are). */
const vmsPerHost = vmsOpt === 'none' ? undefined : Number(vmsOpt);
if (vmsPerHost !== undefined && (!Number.isInteger(vmsPerHost) || vmsPerHost < 0 || vmsPerHost > 10_000))
  throw new Error(`--vms: expected none or an integer from 0 to 10000, got ${vmsOpt}`);
if (kind !== 'notification' && kind !== 'host') throw new Error(`--kind notification|host, not ${kind}`);

/** Host h's report number i: usage moves, the VM list stays. */
function hostReport(i) {
  const usage = { status: 'connected', cpu_cores: 32, memory_mb: 262144, cpu_usage_percent: i % 100, memory_usage_percent: (i * 7) % 100 };
  if (vmsPerHost === undefined) return usage;
  const vms = Array.from({ length: vmsPerHost }, (_, v) => ({ name: `vm-${v}`, state: 'running', cpu_count: 2, memory_mb: 2048 }));
  return { ...usage, vms };
}

async function burst(pub, n) {
  const post =
    kind === 'host'
      ? async (i) => [200, 201].includes(await pub.request('PUT', `/api/v1/hosts/bench-h${i % hosts}`, hostReport(i)))
      : async (i) => (await pub.post('/api/v1/notifications', { title: `cost ${i}`, message: 'publish cost', metadata: { i } })) === 201;
  return (await inLanes(n, concurrency, post)).failed;
}

/** A fresh database on the --postgres server: its URL and how to drop it. */
async function freshPostgres() {
  const admin = new pg.Client({ connectionString: postgres });
  await admin.connect();
  const name = `aether_bench_${crypto.randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  const url = new URL(postgres);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString() },
    async drop() {
      await admin.query(`drop database if exists ${name}`);
      await admin.end();
    },
  };
}

/** The builds measured: this one, and `--base-dist`'s when given, run side by side with rounds interleaved. */
const builds = [{ name: 'ours', dist }, ...(baseDist === undefined ? [] : [{ name: 'ours-base', dist: baseDist }])];

async function startBuild(build, index, group) {
  const database = postgres === undefined ? { env: {}, drop: async () => undefined } : await freshPostgres();
  const buildPort = port + index;
  const server = await startServer({
    argv: [
      process.execPath,
      ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`]),
      path.join(build.dist, 'main.js'),
    ],
    cwd: root,
    port: buildPort,
    useTaskset,
    logFile: path.join(tmp, `server-${build.name}-${group}.log`),
    env: {
      ...oursEnv({ port: buildPort, dataDir: fs.mkdtempSync(path.join(tmp, `data-${build.name}-${group}-`)), token }),
      WRITE_GROUP_MAX: String(group),
      ...database.env,
    },
  });
  const pub = createPublisher({ port: buildPort, headers: { authorization: `Bearer ${token}` }, maxSockets: concurrency });
  return {
    build,
    server,
    pub,
    async stop() {
      pub.close();
      await server.stop();
      await database.drop();
    },
  };
}

const rows = [];
for (const group of groups) {
  const running = [];
  try {
    for (const [index, build] of builds.entries()) running.push(await startBuild(build, index, group));
    for (const { pub } of running) await burst(pub, Math.min(1000, posts)); // warm-up
    // Round r of every build before round r + 1 of any: a machine whose speed drifts (a shared
    // host) moves every build's figures alike.
    for (let r = 0; r < rounds; r++) {
      for (const { build, server, pub } of running) {
        const cpu0 = procCpuMicros(server.pid);
        const t0 = nowMs();
        const failed = await burst(pub, posts);
        const seconds = (nowMs() - t0) / 1000;
        const cpu = procCpuMicros(server.pid) - cpu0;
        rows.push({ build: build.name, group, round: r + 1, us_per_post: cpu / posts, posts_per_s: posts / seconds, failed });
        process.stdout.write(
          `${build.name} WRITE_GROUP_MAX=${group} round ${r + 1}/${rounds}: ${(cpu / posts).toFixed(0)} µs/POST, ${Math.round(posts / seconds)} POST/s, ${failed} failed\n`,
        );
      }
    }
  } finally {
    for (const one of running) await one.stop();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
process.stdout.write(
  `\n${posts} ${kind === 'host' ? `host reports (PUT, ${hosts} hosts × ${vmsPerHost ?? 'no'} VMs)` : 'POSTs'} × ${rounds} rounds, ${concurrency} in flight, no subscribers, ${postgres === undefined ? 'SQLite' : 'PostgreSQL'}; ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n\n`,
);
const unit = kind === 'host' ? 'report' : 'POST';
process.stdout.write(
  `| build | WRITE_GROUP_MAX | server CPU µs per ${unit} (median, min–max) | ${unit}s/s (median) | failed |\n| --- | ---: | ---: | ---: | ---: |\n`,
);
for (const build of builds) {
  for (const group of groups) {
    const mine = rows.filter((r) => r.group === group && r.build === build.name);
    const us = mine.map((r) => r.us_per_post);
    process.stdout.write(
      `| ${build.name} | ${group} | ${median(us).toFixed(0)} (${Math.min(...us).toFixed(0)}–${Math.max(...us).toFixed(0)}) | ${Math.round(median(mine.map((r) => r.posts_per_s))).toLocaleString('en-US')} | ${mine.reduce((a, r) => a + r.failed, 0)} |\n`,
    );
  }
}
if (builds.length > 1) {
  for (const group of groups) {
    // Each round's ratio, the builds measured back to back: steadier than the ratio of medians.
    const ratios = [];
    for (let r = 1; r <= rounds; r++) {
      const [ours, base] = builds.map((b) => rows.find((x) => x.build === b.name && x.group === group && x.round === r)?.us_per_post);
      if (ours !== undefined && base !== undefined) ratios.push(ours / base);
    }
    process.stdout.write(
      `\nWRITE_GROUP_MAX=${group}: ours / ours-base CPU per ${unit}, round by round: median ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)})\n`,
    );
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
