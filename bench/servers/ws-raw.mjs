/**
 * Peer "ws-raw" (and "ws-cork" with BENCH_CORK=1): a minimal `ws` broadcast server with our
 * message shape. The event is serialised once into a Buffer and that Buffer is sent to every
 * subscriber. With corking, each socket is corked at its first send in an event-loop turn and
 * uncorked in setImmediate, so a turn's frames leave in one write per socket.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { createEventFactory, httpHandler, onSignals, listenOptions, topicsFromUrl } from './common.mjs';

const CORK = process.env.BENCH_CORK === '1';
const factory = createEventFactory();
/** A socket as this server uses it: with its corked flag and ws's underlying net.Socket. */
/** @typedef {import('ws').WebSocket & { benchCorked?: boolean, _socket: import('node:net').Socket }} BenchSocket */
/** @type {Map<string, Set<BenchSocket>>} */
const byTopic = new Map();

let corked = [];
let uncorkScheduled = false;
function uncorkAll() {
  uncorkScheduled = false;
  const list = corked;
  corked = [];
  for (const ws of list) {
    ws.benchCorked = false;
    ws._socket.uncork();
  }
}

function publish(topic, built) {
  const set = byTopic.get(topic);
  if (set === undefined) return;
  const buf = Buffer.from(built.frame);
  if (CORK) {
    for (const ws of set) {
      if (!ws.benchCorked) {
        ws.benchCorked = true;
        ws._socket.cork();
        corked.push(ws);
      }
      ws.send(buf, { binary: false });
    }
    if (!uncorkScheduled) {
      uncorkScheduled = true;
      setImmediate(uncorkAll);
    }
  } else {
    for (const ws of set) ws.send(buf, { binary: false });
  }
}

const server = http.createServer(httpHandler(factory, publish));
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 });
server.on('upgrade', (req, socket, head) => {
  if (!(/** @type {string} */ (req.url).startsWith('/ws'))) return socket.destroy();
  const topics = topicsFromUrl(req.url);
  wss.handleUpgrade(req, socket, head, (upgraded) => {
    const ws = /** @type {BenchSocket} */ (upgraded);
    for (const t of topics) {
      let set = byTopic.get(t);
      if (set === undefined) byTopic.set(t, (set = new Set()));
      set.add(ws);
    }
    ws.on('close', () => {
      for (const t of topics) byTopic.get(t)?.delete(ws);
    });
    ws.on('error', () => {});
    ws.send(factory.connectionFrame(randomUUID()));
    ws.send(factory.initialStateFrame(topics));
  });
});
server.listen(listenOptions());
onSignals(() => server.close());
