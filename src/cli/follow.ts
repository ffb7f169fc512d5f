/**
 * The engine of `aether-v watch`: the client library over `ws`, status changes turned into
 * stderr lines or a final CliError, messages into stdout lines. Resolves with exit 0 on SIGINT or
 * SIGTERM; rejects when the credential is refused (3) or the server cannot be reached (4).
 */
import { createWsClient, type ConnectionStatus, type GenericMessage, type StatusData, type WsClient } from '../client/index.js';
import { authHeaders, type Connection } from './connection.js';
import { CliError, ExitCode } from './exit.js';
import { formatEvent, formatSnapshot } from './format.js';
import { nodeWebSocket } from './node-socket.js';
import { clean, err, out, type Paint } from './output.js';

export interface FollowSettings {
  readonly connection: Connection;
  readonly topics: readonly string[];
  /** `sse`: GET /sse instead of the /ws upgrade (the token goes as a bearer header either way). */
  readonly transport?: 'websocket' | 'sse';
  readonly json: boolean;
  readonly sinceNow: boolean;
  /** Reconnection attempts before giving up; Number.MAX_SAFE_INTEGER for "never". */
  readonly maxAttempts: number;
  readonly paint: Paint;
  /** For stderr, which may be a terminal when stdout is not. */
  readonly paintErr: Paint;
}

/** What the connection has been through so far. */
export interface FollowState {
  everConnected: boolean;
  /** The last transport error (`connect ECONNREFUSED …`, `Unexpected server response: 429`). */
  lastTransportError: string | undefined;
}

/** Messages about the connection itself; everything else is an event to print. */
const CONTROL_TYPES: ReadonlySet<string> = new Set(['connection', 'initial_state', 'resumed', 'subscription', 'pong', 'error', 'refreshed', 'resync']);

function closeText(data: StatusData): string {
  if (data.code === undefined) return data.reason ?? 'connection lost';
  return data.reason ? `${data.code} ${data.reason}` : String(data.code);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What a status change means: a line for stderr, the end of watch with an error, or nothing. */
export function describeStatus(status: ConnectionStatus, data: StatusData, state: FollowState, settings: FollowSettings): { note?: string; error?: CliError } {
  const { wsUrl, token } = settings.connection;
  const transport = state.lastTransportError;
  switch (status) {
    case 'connecting':
      return state.everConnected
        ? {}
        : {
            note: `connecting to ${settings.transport === 'sse' ? wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '/sse') : wsUrl} (topics: ${settings.topics.join(', ')})`,
          };
    case 'reconnecting': {
      if (!state.everConnected) return { error: new CliError(ExitCode.CONNECT, `cannot connect to ${wsUrl}: ${transport ?? closeText(data)}`) };
      state.lastTransportError = undefined;
      const why = data.code === 1006 && transport !== undefined ? transport : closeText(data);
      const budget = settings.maxAttempts >= Number.MAX_SAFE_INTEGER ? '' : ` of ${settings.maxAttempts}`;
      const delay = ((data.delayMs ?? 0) / 1000).toFixed(1);
      return {
        note: `${data.attempt === 1 ? 'connection lost' : 'still unreachable'} (${why}); reconnecting in ${delay} s (attempt ${data.attempt ?? 0}${budget})`,
      };
    }
    case 'auth_failed': {
      const hint = token === undefined ? '; set AETHER_TOKEN or pass --token' : '';
      return { error: new CliError(ExitCode.AUTH, `authentication failed on ${wsUrl}: ${closeText(data)}${hint}`) };
    }
    case 'failed':
      return {
        error: new CliError(ExitCode.CONNECT, `gave up after ${plural(data.maxAttempts ?? 0, 'reconnection attempt')}: ${transport ?? closeText(data)}`),
      };
    default:
      return {};
  }
}

/** Prints events and snapshots on stdout and connection news on stderr. */
function attachPrinters(client: WsClient, state: FollowState, settings: FollowSettings): void {
  const { json, paint } = settings;
  const print = (text: string): void => out(`${text}\n`);
  const note = (text: string): void => err(`${settings.paintErr('dim', clean(`aether-v: ${text}`))}\n`);
  let skipSnapshot = settings.sinceNow;

  client.on('connection', (m) => {
    note(`${state.everConnected ? 'reconnected' : 'connected'} as ${m.user}`);
    state.everConnected = true;
    state.lastTransportError = undefined;
  });
  client.on('resumed', (m) => {
    if (m.recovered) note(`resumed ${m.topic}: ${plural(m.replayed, 'missed event')}`);
    else note(`could not resume ${m.topic} (${m.reason ?? 'not recovered'}); its current state follows`);
  });
  client.on('error', (m) => note(`server error ${m.code}${m.ref ? ` (${m.ref})` : ''}: ${m.message}`));
  client.on('initial_state', (m) => {
    if (skipSnapshot) {
      skipSnapshot = false;
      return;
    }
    if (json) print(JSON.stringify(m));
    else for (const line of formatSnapshot(paint, m.data as Record<string, unknown>)) print(line);
  });
  client.on('*', (m: GenericMessage) => {
    if (!CONTROL_TYPES.has(m.type)) print(json ? JSON.stringify(m) : formatEvent(paint, m));
  });
}

/** Connects, prints until SIGINT/SIGTERM (resolves 0), or rejects with a CliError (3 or 4). */
export function follow(settings: FollowSettings): Promise<ExitCode> {
  const state: FollowState = { everConnected: false, lastTransportError: undefined };
  const client = createWsClient({
    url: settings.connection.wsUrl,
    WebSocket: nodeWebSocket({ headers: authHeaders(settings.connection), onTransportError: (e) => (state.lastTransportError = e.message) }),
    transport: settings.transport ?? 'websocket',
    headers: authHeaders(settings.connection),
    topics: settings.topics,
    autoConnect: false,
    browserEvents: false,
    maxAttempts: settings.maxAttempts,
  });
  attachPrinters(client, state, settings);
  return new Promise<ExitCode>((resolve, reject) => {
    const finish = (error?: CliError): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      client.close();
      if (error === undefined) resolve(ExitCode.OK);
      else reject(error);
    };
    const onSignal = (): void => finish();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    client.onConnectionStatus((status, data) => {
      const { note, error } = describeStatus(status, data, state, settings);
      if (note !== undefined) err(`${settings.paintErr('dim', clean(`aether-v: ${note}`))}\n`);
      if (error !== undefined) finish(error);
    });
    client.connect();
  });
}
