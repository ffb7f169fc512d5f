/**
 * Outside reference "uws": uWebSockets.js (the @trufflesuite/uws-js-unofficial npm build, installed
 * only under bench/ by `npm --prefix bench ci`), native pub/sub, compression off. Same publish
 * path and message shape as the other peers.
 */
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import { createEventFactory, portFromEnv, topicsFromUrl, onSignals } from './common.mjs';

// Loaded through createRequire under another name, so that type-checking does not look for the
// optional package (bench/tsconfig.json): uWS is untyped here.
const requireOptional = createRequire(import.meta.url);
const uWS = requireOptional('@trufflesuite/uws-js-unofficial');

const factory = createEventFactory();
let listenSocket = null;
const app = uWS.App();

app.ws('/ws', {
  compression: uWS.DISABLED,
  maxPayloadLength: 64 * 1024,
  maxBackpressure: 64 * 1024 * 1024,
  idleTimeout: 0,
  upgrade: (res, req, context) => {
    const url = req.getUrl() + '?' + req.getQuery();
    res.upgrade(
      { topics: topicsFromUrl(url) },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  open: (ws) => {
    const { topics } = ws.getUserData();
    for (const t of topics) ws.subscribe(t);
    ws.send(factory.connectionFrame(randomUUID()), false);
    ws.send(factory.initialStateFrame(topics), false);
  },
});

app.get('/healthz', (res) => {
  res.writeHeader('content-type', 'application/json').end('{"status":"ok"}');
});

app.post('/api/v1/notifications', (res, req) => {
  const topic = new URLSearchParams(req.getQuery() ?? '').get('topic') ?? 'notifications';
  const chunks = [];
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  res.onData((chunk, isLast) => {
    chunks.push(Buffer.from(chunk.slice(0)));
    if (!isLast) return;
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      if (!aborted) res.cork(() => res.writeStatus('400 Bad Request').end());
      return;
    }
    const built = factory.build(body, topic);
    app.publish(topic, built.frame, false);
    if (!aborted) res.cork(() => res.writeStatus('201 Created').writeHeader('content-type', 'application/json').end(JSON.stringify(built.notification)));
  });
});

app.listen('127.0.0.1', portFromEnv(), (token) => {
  listenSocket = token;
  if (!token) {
    process.stderr.write('uws: listen failed\n');
    process.exit(1);
  }
});
onSignals(() => {
  if (listenSocket) uWS.us_listen_socket_close(listenSocket);
});
