#!/usr/bin/env node
/**
 * Per-connection heap cost of a server, by object kind: connects N, snapshots the heap, connects
 * N more, snapshots again, and prints the self-size difference per added connection grouped by
 * constructor / type. Uses the same preload and lean client as the benchmark.
 *
 *   node bench/heap-diff.mjs [--server ours|ws-raw|socket.io] [--n 1000] [--top 30] [--by-retainer] [--keep]
 *
 * --by-retainer splits each kind by who holds it (the first retainer's constructor and the edge's
 * name, e.g. `object: Object <- WsSession.principal`): where a connection's plain objects come from.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionReader } from './lib/cli.mjs';
import { startServer, startWorkers, sleep } from './lib/proc.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const opt = optionReader();
const server = opt('server', 'ours');
const n = Number(opt('n', 1000));
const top = Number(opt('top', 30));
const port = Number(opt('port', 18_766));
const entries = {
  ours: { file: path.join(root, 'dist', 'main.js'), prefix: '/ws?', protocol: 'ws' },
  'ws-raw': { file: path.join(here, 'servers', 'ws-raw.mjs'), prefix: '/ws?', protocol: 'ws' },
  'socket.io': { file: path.join(here, 'servers', 'socketio.mjs'), prefix: '/socket.io/?EIO=4&transport=websocket&', protocol: 'sio' },
};
const def = entries[server];
const token = randomBytes(24).toString('hex');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-heap-'));

const byRetainer = process.argv.includes('--by-retainer');

/** For each node (by ordinal), "<retainer name>.<edge name>" of its first non-weak retainer. */
function firstRetainers(snap) {
  const f = snap.snapshot.meta.node_fields;
  const ef = snap.snapshot.meta.edge_fields;
  const edgeTypes = snap.snapshot.meta.edge_types[0];
  const [iName, iEdges] = [f.indexOf('name'), f.indexOf('edge_count')];
  const [eType, eName, eTo] = [ef.indexOf('type'), ef.indexOf('name_or_index'), ef.indexOf('to_node')];
  const nodes = snap.nodes;
  const edges = snap.edges;
  const out = new Array(nodes.length / f.length);
  let e = 0;
  for (let i = 0; i < nodes.length; i += f.length) {
    const from = snap.strings[nodes[i + iName]];
    for (let k = 0; k < nodes[i + iEdges]; k++, e += ef.length) {
      const type = edgeTypes[edges[e + eType]];
      if (type === 'weak' || type === 'shortcut') continue;
      const to = edges[e + eTo] / f.length;
      if (out[to] !== undefined) continue;
      const name = type === 'element' || type === 'hidden' ? `[${type}]` : snap.strings[edges[e + eName]];
      out[to] = `${from.length > 30 ? from.slice(0, 27) + '...' : from}.${name}`;
    }
  }
  return out;
}

function summarise(file) {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
  const out = new Map();
  const nodes = snap.nodes;
  const retainers = byRetainer ? firstRetainers(snap) : null;
  for (let i = 0; i < nodes.length; i += f.length) {
    const type = types[nodes[i + iType]];
    let name = snap.strings[nodes[i + iName]];
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '(string)';
    else if (type === 'code') name = '(code)';
    else if (type === 'number') name = '(heap number)';
    if (name.length > 60) name = name.slice(0, 57) + '...';
    const key = retainers === null ? `${type}: ${name}` : `${type}: ${name} <- ${retainers[i / f.length] ?? '(root)'}`;
    const e = out.get(key) ?? { size: 0, count: 0 };
    e.size += nodes[i + iSize];
    e.count += 1;
    out.set(key, e);
  }
  return out;
}

const srv = await startServer({
  argv: [process.execPath, '--expose-gc', '--import', path.join(here, 'servers', 'preload.mjs'), def.file],
  cwd: root,
  port,
  useTaskset: false,
  logFile: path.join(tmp, 'server.log'),
  env: {
    // Ours as the bench runs it (S1): real auth with an API token on every upgrade, no per-user caps.
    ...(server === 'ours' ? { AUTH_ENABLED: 'true', ALLOW_DEV_AUTH: 'false', API_TOKEN: token, SESSION_SECRET_KEY: randomBytes(32).toString('hex') } : {}),
    WS_MAX_CONNECTIONS_PER_USER: '0',
    WS_MAX_CONNECTIONS_PER_IP: '0',
    WS_MAX_CONNECT_RATE: '0',
    WS_COST_BUDGET_PER_USER: '0',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: tmp,
    WS_MAX_CONNECTIONS: '25000',
  },
});
const pool = startWorkers(1, path.join(here, 'load', 'worker.mjs'), false);
const connect = (startIndex) =>
  pool.all({
    cmd: 'connect',
    host: '127.0.0.1',
    port,
    protocol: def.protocol,
    prefix: def.prefix,
    headers: server === 'ours' ? { authorization: `Bearer ${token}` } : {},
    count: n,
    startIndex,
    concurrency: 200,
    sampleEvery: 0,
    topics: 0,
    timeoutMs: 60_000,
  });
try {
  await connect(0);
  await sleep(1000);
  await srv.mem(true);
  const a = await srvSnapshot('a');
  await connect(n);
  await sleep(1000);
  await srv.mem(true);
  const b = await srvSnapshot('b');
  const sa = summarise(a);
  const sb = summarise(b);
  const rows = [];
  let total = 0;
  for (const [k, vb] of sb) {
    const va = sa.get(k) ?? { size: 0, count: 0 };
    const d = vb.size - va.size;
    total += d;
    rows.push([k, d / n, (vb.count - va.count) / n]);
  }
  rows.sort((x, y) => y[1] - x[1]);
  process.stdout.write(
    `${server}: heap self size per added connection ${(total / n).toFixed(0)} bytes (${n} → ${2 * n} connections)\n\n| kind | bytes/conn | objects/conn |\n| --- | ---: | ---: |\n`,
  );
  for (const [k, bytes, count] of rows.slice(0, top)) process.stdout.write(`| ${k.replace(/\|/g, '\\|')} | ${bytes.toFixed(0)} | ${count.toFixed(2)} |\n`);
} finally {
  await pool.stop();
  await srv.stop();
  if (process.argv.includes('--keep')) process.stdout.write(`snapshots kept in ${tmp}\n`);
  else fs.rmSync(tmp, { recursive: true, force: true });
}

async function srvSnapshot(tag) {
  const file = path.join(tmp, `${tag}.heapsnapshot`);
  // The preload writes the snapshot; reuse its IPC through mem()'s channel.
  return (await srv.rpc({ cmd: 'heapsnapshot', file }, 120_000)).file;
}
