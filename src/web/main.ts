/**
 * The page: the bell, the inbox panel and the connection banner, and the Inventory and Jobs views
 * (fleet.ts). Notifications load over REST first, inventory and jobs from the socket's snapshot;
 * then everything is live over /ws via the client library; REST polling when the socket cannot be had.
 */
import { createWsClient, type WsClient } from '../client/index.js';
import { createApi } from './api.js';
import { createBanner } from './banner.js';
import { createBell } from './bell.js';
import { createComposeForm } from './compose.js';
import { readConfig } from './config.js';
import { byId } from './dom.js';
import { FLEET_TOPICS, startFleet } from './fleet.js';
import { createInbox, SNAPSHOT_SIZE } from './inbox.js';
import { createPanel } from './panel.js';
import { createPoller } from './poller.js';

declare global {
  interface Window {
    /** The seed's global client. */
    wsClient: WsClient;
  }
}

const PAGE_SIZE = 20;

function start(): void {
  const config = readConfig(location.search);
  const api = createApi();
  const inbox = createInbox();
  const bell = createBell();
  const banner = createBanner();
  const appStatus = byId('app-status');
  const report = (text: string): void => void (appStatus.textContent = text);
  const fail = (what: string) => (error: unknown) => report(`${what} failed: ${error instanceof Error ? error.message : String(error)}`);
  let loading = true;

  const client = createWsClient({
    getToken: () => api.wsToken(),
    autoConnect: false,
    topics: ['notifications', ...FLEET_TOPICS],
    maxAttempts: config.maxAttempts,
    baseDelayMs: config.baseDelayMs,
    maxDelayMs: config.maxDelayMs,
    pingIntervalMs: config.pingIntervalMs,
  });
  window.wsClient = client;

  async function loadNewest(): Promise<void> {
    const polledWhile = client.getStatus();
    const page = await api.list({ limit: SNAPSHOT_SIZE });
    // A socket that came up meanwhile has sent a fresher snapshot: do not overwrite it.
    if (client.getStatus() === 'connected' && polledWhile !== 'connected') return;
    inbox.replaceNewest(page.notifications, page.unread_count, page.next_cursor);
  }

  function loadMore(): void {
    const cursor = inbox.state().nextCursor;
    if (loading || cursor === null) return;
    loading = true;
    render();
    api
      .list({ limit: PAGE_SIZE, cursor })
      .then(inbox.appendPage, fail('Loading more'))
      .finally(() => {
        loading = false;
        render();
      });
  }

  const panel = createPanel({
    onActivate(id) {
      const item = inbox.state().items.find((n) => n.id === id);
      if (item !== undefined && !item.read) api.markRead(id).then(inbox.upsert, fail('Marking read'));
    },
    onDelete: (id) => void api.remove(id).then(() => inbox.remove(id), fail('Deleting')),
    onMarkAll() {
      const newest = inbox.state().items[0]?.created_at ?? null;
      api.markAllRead(newest).then((r) => inbox.markAllRead(newest, r.unread_count), fail('Marking all read'));
    },
    onNearEnd: loadMore,
    onClose: () => setOpen(false, true),
  });

  function render(): void {
    const state = inbox.state();
    bell.setUnread(state.unreadCount);
    panel.render(state, loading);
  }

  function setOpen(open: boolean, returnFocus: boolean): void {
    if (open === panel.isOpen()) return;
    if (open) panel.open();
    else {
      panel.close();
      inbox.clearNew();
      if (returnFocus) bell.button.focus();
    }
    bell.setExpanded(open);
  }

  const fleet = startFleet(client, report);
  const poller = createPoller(config.pollIntervalMs, () => Promise.all([loadNewest(), fleet.refresh()]).then(() => undefined, fail('Refreshing')));
  inbox.onChange(render);
  client.on('initial_state', (m) => {
    if (m.data.notifications !== undefined) inbox.replaceNewest(m.data.notifications, m.data.unread_count ?? 0);
  });
  client.on('notification', (m) => inbox.applyEvent(m, panel.isOpen()));
  client.onConnectionStatus((status, data) => {
    bell.setStatus(status, data);
    banner.setStatus(status, data, config.pollIntervalMs);
    if (status === 'failed' || status === 'auth_failed') poller.start();
    else poller.stop();
  });
  banner.onReconnect(() => client.reconnectNow());
  bell.button.addEventListener('click', () => setOpen(!panel.isOpen(), false));
  // Following a link to a job or the inventory leaves the panel.
  addEventListener('hashchange', () => setOpen(false, false));
  document.addEventListener('click', (event) => {
    const target = event.target as Node;
    if (panel.isOpen() && !byId('panel').contains(target) && !bell.button.contains(target)) setOpen(false, false);
  });
  setInterval(() => {
    panel.tick();
    fleet.tick();
  }, 30_000);
  createComposeForm(api, report);
  function showAccount(account: { name: string; method: string }): void {
    const user = byId('user');
    user.textContent = account.name;
    user.hidden = false;
    if (account.method !== 'session') return;
    const signOut = byId<HTMLButtonElement>('sign-out');
    signOut.hidden = false;
    signOut.addEventListener('click', () => {
      signOut.disabled = true;
      api.signOut().then(() => location.reload(), fail('Signing out'));
    });
  }

  function goLive(): void {
    bell.setStatus('connecting', { attempt: 0 });
    render();
    loadNewest()
      .catch(fail('Loading notifications'))
      .finally(() => {
        loading = false;
        render();
        client.connect();
      });
  }

  api.account().then(
    (account) => {
      if (account === 'signed-out') {
        // Nothing to load or connect until the user signs in.
        byId('sign-in').hidden = false;
        bell.setStatus('disconnected', {});
        loading = false;
        render();
        report('Sign in to see notifications and live updates.');
        return;
      }
      if (account !== undefined) showAccount(account);
      goLive();
    },
    () => goLive(),
  );
}

start();
