import { createHub } from './dist/core/hub.js';
const N = +process.argv[2] || 1000, E = +process.argv[3] || 2000;
let offset = 0;
const sources = {
  epoch: 'e',
  snapshot: async () => ({ data: {}, position: { offset: 0, epoch: 'e' } }),
  eventsAfter: async () => ({ floor: 0, head: 0, events: [] }),
  extras: async () => ({ unread_count: 5 }),
};
const logger = { debug() {}, info() {}, warn() {}, error() {} };
const hub = createHub({ sources, logger, limits: { maxConnections: 1e6, maxSubscriptions: 100, maxMessageBytes: 65536, maxBufferedBytes: 1 << 20, maxReplay: 1000 } });
let sent = 0;
const principal = { id: 'dev', name: 'dev', roles: ['admin'], method: 'dev' };
for (let i = 0; i < N; i++) hub.attach({ send() { sent++; }, close() {}, get bufferedAmount() { return 0; } }, principal);
await new Promise((r) => setTimeout(r, 50));
const ev = () => ({ topic: 'notifications', offset: ++offset, epoch: 'e', type: 'notification', action: 'created', data: { id: 'x' + offset, title: 'hello', message: 'a message', metadata: { a: 1 } }, audience: null, keys: [], at: '' });
for (let r = 0; r < 3; r++) {
  sent = 0;
  const c0 = process.cpuUsage();
  for (let i = 0; i < E; i++) hub.deliver(ev());
  while (sent < N * E) await new Promise((r) => setImmediate(r));
  const c = process.cpuUsage(c0);
  console.log(`hub ns/delivery ${(((c.user + c.system) * 1000) / (N * E)).toFixed(0)}`);
}
