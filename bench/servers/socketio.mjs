/**
 * Peer "socket.io": Socket.IO 4 with rooms, websocket transport only, compression off.
 * A client joins the rooms named in its handshake query `topics`; a publish emits
 * 'notification' to the room (Socket.IO encodes a broadcast packet once for all receivers).
 *
 * Peer "socket.io-csr" (BENCH_CSR=1): the same with `connectionStateRecovery`, Socket.IO's own
 * resume: each broadcast carries an offset, a client that comes back within two minutes with its
 * `pid` and last offset gets its rooms and the missed packets, and no `initial_state` (as a CSR app
 * skips its snapshot when `socket.recovered`). With BENCH_REDIS_URL it uses
 * `@socket.io/redis-streams-adapter`, the documented way to keep that recovery across instances.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { Server } from 'socket.io';
import { createEventFactory, httpHandler, listenOptions } from './common.mjs';

const csr = process.env.BENCH_CSR === '1';
const redisUrl = process.env.BENCH_REDIS_URL;

async function redisAdapter() {
  if (!redisUrl) return {};
  // Loaded untyped (installed under bench/ only, like uWS), so `npm run typecheck` needs no bench install.
  const { createAdapter } = createRequire(import.meta.url)('@socket.io/redis-streams-adapter');
  const { Redis } = await import('ioredis');
  return { adapter: createAdapter(new Redis(redisUrl), { streamName: 'bench-socket.io' }) };
}

const factory = createEventFactory();
let io;
const server = http.createServer(httpHandler(factory, (topic, built) => io.to(topic).emit('notification', built.event)));
io = new Server(server, {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  maxHttpBufferSize: 64 * 1024,
  ...(csr ? { connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: true } } : {}),
  ...(await redisAdapter()),
});
io.on('connection', (socket) => {
  socket.emit('connection_info', JSON.parse(factory.connectionFrame(randomUUID())));
  if (socket.recovered) return;
  const raw = socket.handshake.query.topics;
  const topics = typeof raw === 'string' && raw.length > 0 ? raw.split(',') : ['notifications'];
  socket.join(topics);
  socket.emit('initial_state', JSON.parse(factory.initialStateFrame(topics)));
});
server.listen(listenOptions());

// SIGTERM: close every socket ("server shutting down", a reason CSR recovers from, so each session
// is persisted, in Redis with the adapter), then give the adapter a moment to write before exiting.
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  io.close(() => setTimeout(() => process.exit(0), redisUrl ? 500 : 100));
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
