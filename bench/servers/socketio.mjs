/**
 * Peer "socket.io": Socket.IO 4 with rooms, websocket transport only, compression off.
 * A client joins the rooms named in its handshake query `topics`; a publish emits
 * 'notification' to the room (Socket.IO encodes a broadcast packet once for all receivers).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';
import { createEventFactory, httpHandler, onSignals, listenOptions } from './common.mjs';

const factory = createEventFactory();
let io;
const server = http.createServer(httpHandler(factory, (topic, built) => io.to(topic).emit('notification', built.event)));
io = new Server(server, {
  transports: ['websocket'],
  perMessageDeflate: false,
  httpCompression: false,
  serveClient: false,
  maxHttpBufferSize: 64 * 1024,
});
io.on('connection', (socket) => {
  const raw = socket.handshake.query.topics;
  const topics = typeof raw === 'string' && raw.length > 0 ? raw.split(',') : ['notifications'];
  socket.join(topics);
  socket.emit('connection_info', JSON.parse(factory.connectionFrame(randomUUID())));
  socket.emit('initial_state', JSON.parse(factory.initialStateFrame(topics)));
});
server.listen(listenOptions());
onSignals(() => io.close());
