/**
 * What every peer server shares: the publish path (POST /api/v1/notifications, optional
 * `?topic=` for many-topic runs), the event frame in our wire shape, and /healthz.
 * A peer keeps only counters — no store, no auth — which is the point of a peer.
 */
import { randomUUID } from 'node:crypto';

export function portFromEnv() {
  return Number(process.env.PORT ?? 8000);
}

/**
 * The accept queue every Node peer listens with: the same as ours (LISTEN_BACKLOG, default 4096),
 * so a connect storm compares the servers, not Node's default of 511.
 */
export function listenOptions() {
  return { port: portFromEnv(), host: '127.0.0.1', backlog: Number(process.env.LISTEN_BACKLOG ?? 4096) };
}

/** Per-topic offsets and an unread counter, like ours reports. */
export function createEventFactory() {
  const offsets = new Map();
  let unread = 0;
  return {
    /** Returns {topic, frame (string), notification} for a validated publish body. */
    build(body, topic) {
      const notification = {
        id: randomUUID(),
        title: String(body.title ?? ''),
        message: String(body.message ?? ''),
        level: 'info',
        category: 'system',
        created_at: new Date().toISOString(),
        read: false,
        recipient: null,
        related_entity: null,
        metadata: body.metadata ?? null,
      };
      const offset = (offsets.get(topic) ?? 0) + 1;
      offsets.set(topic, offset);
      unread += 1;
      const event = { type: 'notification', action: 'created', data: notification, unread_count: unread, topic, offset };
      return { topic, event, frame: JSON.stringify(event), notification };
    },
    connectionFrame(id) {
      return JSON.stringify({ type: 'connection', status: 'connected', client_id: id, timestamp: new Date().toISOString(), user: 'dev-user' });
    },
    initialStateFrame(topics) {
      const positions = {};
      for (const t of topics) positions[t] = { offset: offsets.get(t) ?? 0, epoch: 'peer' };
      return JSON.stringify({ type: 'initial_state', data: { notifications: [], unread_count: unread }, positions });
    },
  };
}

export function topicsFromUrl(url) {
  const u = new URL(url, 'http://localhost');
  const raw = u.searchParams.get('topics');
  const topics = raw ? raw.split(',').filter(Boolean) : ['notifications'];
  return topics;
}

/**
 * A node:http request handler for the publish path and /healthz. `publish(topic, built)` does
 * the broadcast; the 201 reply goes after it, as ours answers after the commit.
 */
export function httpHandler(factory, publish) {
  return (req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    if (req.method === 'POST' && req.url.startsWith('/api/v1/notifications')) {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        let body;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          res.writeHead(400).end();
          return;
        }
        const topic = new URL(req.url, 'http://localhost').searchParams.get('topic') ?? 'notifications';
        const built = factory.build(body, topic);
        publish(topic, built);
        const out = JSON.stringify(built.notification);
        res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
        res.end(out);
      });
      return;
    }
    res.writeHead(404).end();
  };
}

export function onSignals(close) {
  const stop = () => {
    close();
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
