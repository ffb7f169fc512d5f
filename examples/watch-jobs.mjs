// Follow jobs and react to error notifications from a Node script, with the same client library
// the web page uses. From a checkout, after `npm run build`:
//   AETHER_URL=http://127.0.0.1:8000 AETHER_TOKEN=… node examples/watch-jobs.mjs
import WebSocket from 'ws';
import { createWsClient } from 'aether-v-realtime/client';

const base = process.env.AETHER_URL ?? 'http://127.0.0.1:8000';
const token = process.env.AETHER_TOKEN;
const auth = token ? { authorization: `Bearer ${token}` } : {};

// Node 20 has no global WebSocket: hand the client `ws`, here with the token as a header.
class AuthWebSocket extends WebSocket {
  constructor(url) {
    super(url, { headers: auth });
  }
}

const client = createWsClient({
  url: `${base.replace(/^http/, 'ws')}/ws`,
  WebSocket: AuthWebSocket,
  topics: ['jobs', 'notifications'],
  browserEvents: false,
  autoConnect: false,
});

client.onConnectionStatus((status, { reason }) => console.error(`[${status}]${reason ? ` ${reason}` : ''}`));

client.on('job', ({ action, data }) => {
  if (action === 'updated') console.log(`job ${data.job.type} ${data.id}: ${data.job.status} ${data.job.progress}%`);
  if (action === 'output') for (const line of data.lines) console.log(`  ${line.text}`);
});

client.on('notification', async ({ action, data }) => {
  if (action !== 'created' || data.level !== 'error') return;
  console.log(`ALERT ${data.title}: ${data.message}`);
  // React: acknowledge it (mark it read for this script's user) so it is handled once.
  const response = await fetch(`${base}/api/v1/notifications/${data.id}/read`, { method: 'PUT', headers: auth });
  console.log(`acknowledged ${data.id} (${response.status})`);
});

client.connect();
process.on('SIGINT', () => client.close());
process.on('SIGTERM', () => client.close());
