/**
 * The page: the bell and the inbox panel (notifications-ui.ts), the connection banner, and the
 * Inventory and Jobs views (fleet.ts). Notifications load over REST first, inventory and jobs from
 * the socket's snapshot; then everything is live over /ws via the client library; REST polling
 * when the socket cannot be had.
 */
import { createWsClient, type WsClient } from '../client/index.js';
import { createApi } from './api.js';
import { showAccount } from './account.js';
import { createBanner } from './banner.js';
import { createComposeForm } from './compose.js';
import { readConfig } from './config.js';
import { byId } from './dom.js';
import { FLEET_TOPICS, startFleet } from './fleet.js';
import { PAGE_FILTERS } from './inbox.js';
import { createNotificationsUi, type Fail } from './notifications-ui.js';
import { createPoller } from './poller.js';
import { showTransport } from './transport-label.js';

declare global {
  interface Window {
    /** The seed's global client. */
    wsClient: WsClient;
  }
}

function start(): void {
  const config = readConfig(location.search);
  const api = createApi();
  const banner = createBanner();
  const appStatus = byId('app-status');
  const report = (text: string): void => void (appStatus.textContent = text);
  const fail: Fail = (what) => (error) => report(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);

  const client = createWsClient({
    getToken: () => api.wsToken(),
    autoConnect: false,
    topics: ['notifications', ...FLEET_TOPICS],
    filters: PAGE_FILTERS,
    maxAttempts: config.maxAttempts,
    baseDelayMs: config.baseDelayMs,
    maxDelayMs: config.maxDelayMs,
    pingIntervalMs: config.pingIntervalMs,
    transport: config.transport,
    share: config.share,
  });
  window.wsClient = client;

  const fleet = startFleet(client, report);
  const ui = createNotificationsUi(api, client, fail);
  const poller = createPoller(config.pollIntervalMs, () => Promise.all([ui.loadNewest(), fleet.refresh()]).then(() => undefined, fail('Refreshing')));
  client.onConnectionStatus((status, data) => {
    ui.bell.setStatus(status, data);
    banner.setStatus(status, data, config.pollIntervalMs);
    showTransport(status, client.getTransport());
    if (status === 'failed' || status === 'auth_failed') poller.start();
    else poller.stop();
  });
  banner.onReconnect(() => client.reconnectNow());
  setInterval(() => {
    ui.tick();
    fleet.tick();
  }, 30_000);
  createComposeForm(api, report);

  function goLive(): void {
    ui.bell.setStatus('connecting', { attempt: 0 });
    ui.render();
    ui.loadNewest()
      .catch(fail('Loading notifications'))
      .finally(() => {
        ui.loaded();
        client.connect();
      });
  }

  api.account().then(
    (account) => {
      if (account === 'signed-out') {
        // Nothing to load or connect until the user signs in.
        byId('sign-in').hidden = false;
        ui.bell.setStatus('disconnected', {});
        ui.loaded();
        report('Sign in to see notifications and live updates.');
        return;
      }
      if (account !== undefined) {
        showAccount(api, account, fail);
        fleet.setSelf(account.id);
      }
      goLive();
    },
    () => goLive(),
  );
}

start();
