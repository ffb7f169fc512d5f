// The core's fan-out alone: the hub from a build's dist/ with fake sockets and sources (no network,
// no store), N connections of one user on `notifications`, events delivered in bursts of 16.
// Prints server CPU µs per delivery (median and min of 7 rounds). Compare two builds in the same
// minutes: `node bench/fanout-cost.mjs --dist ../other-checkout/dist`.
//
//   node bench/fanout-cost.mjs [--dist dist] [--conns 2000] [--events 500]
import { parseArgs } from 'node:util';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({
  options: { dist: { type: 'string', default: 'dist' }, conns: { type: 'string', default: '2000' }, events: { type: 'string', default: '500' } },
});
const conns = Number(values.conns);
const events = Number(values.events);
const { createHub } = await import(pathToFileURL(path.resolve(values.dist, 'core/index.js')).href);

let sent = 0;
const socket = () => ({ bufferedAmount: 0, send: () => void (sent += 1), close: () => undefined, whenDrained: () => Promise.resolve() });
const sources = {
  epoch: 'e',
  snapshot: async () => ({ data: {}, position: { offset: 0, epoch: 'e' } }),
  eventsAfter: async () => ({ floor: 0, head: 0, events: [] }),
  extras: async (/** @type {{topic: string}} */ e) => (e.topic === 'notifications' ? { unread_count: 3 } : undefined),
};
const limits = {
  maxConnections: 1e7,
  maxSubscriptions: 10,
  maxBufferedBytes: 1e12,
  maxReplay: 1000,
  maxQueuedSyncs: 8,
  costPerConnection: 0,
  costWindowMs: 1000,
  replayStallMs: 1000,
  // The server's default ring of recent events (builds before it ignore it).
  recent: { maxEvents: 1000, maxBytes: 1024 * 1024, maxAgeMs: 86_400_000 },
};
const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (/** @type {object} */ o) => console.error(o) };
const hub = createHub({ sources, limits, logger });
const principal = { id: 'u', name: 'u', roles: ['reader'], method: 'dev' };
for (let i = 0; i < conns; i++) hub.attach(socket(), principal, { topics: ['notifications'] });
const turns = async (/** @type {number} */ n) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};
await turns(50);

async function round(/** @type {number} */ first) {
  sent = 0;
  const before = process.cpuUsage();
  for (let i = 1; i <= events; i++) {
    const offset = first + i;
    hub.deliver({
      topic: 'notifications',
      offset,
      epoch: 'e',
      type: 'notification',
      action: 'created',
      data: { id: String(offset), title: 't' },
      audience: null,
      keys: [],
      at: '',
    });
    if (i % 16 === 0) await turns(5);
  }
  await turns(5);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / sent;
}

const results = [];
for (let r = 0; r < 7; r++) results.push(await round(r * events));
results.sort((a, b) => a - b);
console.log(`${values.dist}: ${conns} connections × ${events} events: CPU µs per delivery median ${results[3]?.toFixed(3)}, min ${results[0]?.toFixed(3)}`);
