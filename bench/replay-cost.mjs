#!/usr/bin/env node
/**
 * The cost of a reconnect that resumes: server CPU µs per resume and per replayed frame (from
 * /proc/<pid>/stat), the path S8 (jitter) loads. Ours starts with auth on (API token) and SQLite,
 * `--events` notifications are published (all in the resume ring), then `--resumes` connections
 * dial `/ws?topics=notifications&resume=…` from `--behind` events before the head, `--concurrency`
 * at a time, each until it holds every replayed event, and close. Several builds in the same run,
 * alternating per round (`--dist dist,../base/dist`), so a change is measured before and after in
 * the same minutes. The server is pinned to core 0 and this client to core 1.
 *
 *   node bench/replay-cost.mjs [--dist dist[,other/dist]] [--resumes 2000] [--behind 100]
 *                              [--events 400] [--concurrency 16] [--rounds 3] [--port 18768]
 *                              [--node-flags "--cpu-prof --cpu-prof-dir=/tmp/prof"]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { distsOption, optionReader } from './lib/cli.mjs';
import { LeanConn } from './load/lean-ws.mjs';
import { createPublisher, hasTaskset, inLanes, nowMs, OURS_BENCH_LIMITS, oursEnv, pinSelf, procCpuMicros, startServer } from './lib/proc.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const opt = optionReader();
const dists = distsOption(opt, root);
const resumes = Number(opt('resumes', 2000));
const behind = Number(opt('behind', 100));
const events = Number(opt('events', 400));
const concurrency = Number(opt('concurrency', 16));
const rounds = Number(opt('rounds', 3));
const port = Number(opt('port', 18_768));
/** Extra Node options for the servers (`--cpu-prof --cpu-prof-dir=…` to profile them). */
const nodeFlags = String(opt('node-flags', '')).split(/\s+/).filter(Boolean);
/** @type {Array<[string, number]>} */
const checked = [
  ['resumes', resumes],
  ['behind', behind],
  ['events', events],
  ['concurrency', concurrency],
  ['rounds', rounds],
];
for (const [name, v] of checked) {
  if (!Number.isInteger(v) || v < 1 || v > 1_000_000) throw new Error(`--${name}: expected a positive integer, got ${v}`);
}
if (behind >= events) throw new Error(`--behind (${behind}) must be below --events (${events})`);

const useTaskset = hasTaskset();
if (useTaskset) pinSelf(1);
const token = crypto.randomBytes(24).toString('hex');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-replay-cost-'));
const headers = { authorization: `Bearer ${token}` };

/** A connection to /ws on port `at` with `query`, each text message parsed and handed to `onMessage`. */
function dial(at, query, onMessage, onClose) {
  return new LeanConn({
    host: '127.0.0.1',
    port: at,
    path: `/ws?${query}`,
    headers,
    onOpen: () => undefined,
    onText: (_c, buf, s, e) => onMessage(JSON.parse(buf.toString('utf8', s, e))),
    onClose,
    wantPayload: () => true,
  });
}

/** One connection that resumes from `from` and resolves once it holds every event up to `head` (or closes). */
function resumeOnce(at, from, epoch, head) {
  return new Promise((resolve) => {
    const resume = encodeURIComponent(JSON.stringify({ notifications: { offset: from, epoch } }));
    let got = 0;
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      conn.destroy();
      resolve(ok ? got : -1);
    };
    const conn = dial(
      at,
      `topics=notifications&resume=${resume}`,
      (msg) => {
        if (msg.type === 'notification') {
          got += 1;
          if (msg.offset >= head) finish(true);
        } else if (msg.type === 'resumed' && !msg.recovered) finish(false);
      },
      () => finish(false),
    );
  });
}

/** The notifications topic's epoch and head, from a plain connection's initial_state. */
function position(at) {
  return new Promise((resolve, reject) => {
    const conn = dial(
      at,
      'topics=notifications',
      (msg) => {
        if (msg.type !== 'initial_state') return;
        conn.destroy();
        resolve(msg.positions.notifications);
      },
      (_c, code) => reject(new Error(`closed ${code} before initial_state`)),
    );
  });
}

const servers = [];
try {
  for (const [k, dist] of dists.entries()) {
    const p = port + k;
    const server = await startServer({
      argv: [process.execPath, ...nodeFlags, path.join(dist, 'main.js')],
      cwd: root,
      port: p,
      useTaskset,
      logFile: path.join(tmp, `server-${k}.log`),
      env: {
        ...oursEnv({ port: p, dataDir: fs.mkdtempSync(path.join(tmp, `data-${k}-`)), token }),
        ...OURS_BENCH_LIMITS,
      },
    });
    servers.push({ dist, server, port: p });
  }
  const rows = [];
  for (const s of servers) {
    const pub = createPublisher({ port: s.port, headers, maxSockets: 8 });
    const post = async (i) => (await pub.post('/api/v1/notifications', { title: `replay ${i}`, message: 'replay cost', metadata: { i } })) === 201;
    const { failed } = await inLanes(events, 8, post);
    pub.close();
    if (failed > 0) throw new Error(`${failed} of ${events} POSTs failed on ${s.dist}`);
  }
  for (let r = 0; r <= rounds; r++) {
    for (const s of servers) {
      const { offset: head, epoch } = await position(s.port);
      const from = head - behind;
      let short = 0;
      const run = async () => {
        const got = await resumeOnce(s.port, from, epoch, head);
        if (got !== behind) short += 1;
        return true;
      };
      const cpu0 = procCpuMicros(s.server.pid);
      const t0 = nowMs();
      await inLanes(resumes, concurrency, run);
      const seconds = (nowMs() - t0) / 1000;
      const cpu = procCpuMicros(s.server.pid) - cpu0;
      // Round 0 warms both builds up and is not counted.
      if (r === 0) continue;
      rows.push({ dist: s.dist, us_per_resume: cpu / resumes, us_per_frame: cpu / (resumes * behind), per_s: resumes / seconds, short });
      process.stdout.write(
        `${path.relative(root, s.dist) || s.dist} round ${r}/${rounds}: ${(cpu / resumes).toFixed(0)} µs/resume, ${(cpu / resumes / behind).toFixed(2)} µs/frame, ${Math.round(resumes / seconds)} resumes/s, ${short} short\n`,
      );
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  process.stdout.write(
    `\n${resumes} resumes × ${rounds} rounds, each ${behind} events behind, ${concurrency} at a time, auth on, SQLite; ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}\n\n`,
  );
  process.stdout.write('| build | server CPU µs per resume (median) | µs per replayed frame | resumes/s | short |\n| --- | ---: | ---: | ---: | ---: |\n');
  for (const s of servers) {
    const mine = rows.filter((x) => x.dist === s.dist);
    process.stdout.write(
      `| ${path.relative(root, s.dist) || s.dist} | ${median(mine.map((x) => x.us_per_resume)).toFixed(0)} | ${median(mine.map((x) => x.us_per_frame)).toFixed(2)} | ${Math.round(median(mine.map((x) => x.per_s))).toLocaleString('en-US')} | ${mine.reduce((a, x) => a + x.short, 0)} |\n`,
    );
  }
} finally {
  for (const s of servers) await s.server.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
