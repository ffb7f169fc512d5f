/**
 * `aether-v watch`: follows /ws with the client library and prints every event. Connection state
 * goes to stderr, events to stdout. Reconnects and resumes like the browser client, so events
 * created while it was away (a server restart) are printed when it is back.
 */
import { checkTopic } from '../../protocol/index.js';
import { createWsClient, type GenericMessage, type StatusData } from '../../client/index.js';
import { CONNECTION_OPTIONS, intOption, parse } from '../args.js';
import { CONNECTION_HELP, type Command } from '../command.js';
import { authHeaders, resolveConnection, type Connection } from '../connection.js';
import { CliError, ExitCode, usageError } from '../exit.js';
import { formatEvent, formatSnapshot } from '../format.js';
import { nodeWebSocket } from '../node-socket.js';
import { colorEnabled, err, exitQuietlyOnClosedPipe, out, painter, type Paint } from '../output.js';

const NAME = 'watch';

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  json: { type: 'boolean' },
  'since-now': { type: 'boolean' },
  'max-attempts': { type: 'string' },
} as const;

const HELP = `Usage: aether-v watch [TOPIC…] [options]

Connects to /ws and prints events as they arrive, until Ctrl-C (exit 0). Topics:
notifications (default), inventory, jobs, jobs:<id>, all.

First the current state of the topics (initial_state), then every event. On a
dropped connection it reconnects (1 s, 1.5 s, 2.25 s … up to 30 s) and resumes from
the last event it printed, so nothing created in between is missed or repeated.
Connection changes are reported on stderr.

Options:
  --json              one JSON object per line: the protocol messages as received
                      (initial_state and events), for jq and scripts
  --since-now         skip the state at connect; print only new events
  --max-attempts N    reconnection attempts before giving up with exit 4
                      (default 10; 0 = never give up)

${CONNECTION_HELP}
Output is coloured on a terminal unless NO_COLOR is set.

Examples:
  aether-v watch
  aether-v watch jobs inventory --since-now
  aether-v watch all --json | jq -c 'select(.type == "job")'
`;

/** Messages about the connection itself; everything else with a topic is an event to print. */
const CONTROL_TYPES: ReadonlySet<string> = new Set(['connection', 'initial_state', 'resumed', 'subscription', 'pong', 'error', 'refreshed', 'resync']);

function closeText(data: StatusData): string {
  if (data.code === undefined) return data.reason ?? 'connection lost';
  return data.reason ? `${data.code} ${data.reason}` : String(data.code);
}

function checkTopics(topics: readonly string[]): void {
  for (const topic of topics) {
    const check = checkTopic(topic);
    if (!check.ok) throw usageError(`${check.reason} topic ${JSON.stringify(topic)}: expected notifications, inventory, jobs, jobs:<id> or all`, NAME);
  }
}

interface WatchSettings {
  readonly connection: Connection;
  readonly topics: readonly string[];
  readonly json: boolean;
  readonly sinceNow: boolean;
  readonly maxAttempts: number;
  readonly paint: Paint;
  /** For stderr, which may be a terminal when stdout is not. */
  readonly paintErr: Paint;
}

function follow(settings: WatchSettings): Promise<ExitCode> {
  const { connection, topics, json, paint } = settings;
  let lastTransportError: string | undefined;
  let everConnected = false;
  let skipSnapshot = settings.sinceNow;

  const client = createWsClient({
    url: connection.wsUrl,
    WebSocket: nodeWebSocket({ headers: authHeaders(connection), onTransportError: (e) => (lastTransportError = e.message) }),
    topics,
    autoConnect: false,
    browserEvents: false,
    maxAttempts: settings.maxAttempts,
  });
  const print = (text: string): void => out(`${text}\n`);
  const note = (text: string): void => err(`${settings.paintErr('dim', `aether-v: ${text}`)}\n`);

  return new Promise<ExitCode>((resolve, reject) => {
    const finish = (outcome: ExitCode | CliError): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      client.close();
      if (outcome instanceof CliError) reject(outcome);
      else resolve(outcome);
    };
    const onSignal = (): void => finish(ExitCode.OK);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    client.onConnectionStatus((status, data) => {
      if (status === 'connecting' && !everConnected) note(`connecting to ${connection.wsUrl} (topics: ${topics.join(', ')})`);
      if (status === 'reconnecting') {
        if (!everConnected) {
          finish(new CliError(ExitCode.CONNECT, `cannot connect to ${connection.wsUrl}: ${lastTransportError ?? closeText(data)}`));
          return;
        }
        const seconds = ((data.delayMs ?? 0) / 1000).toFixed(1);
        const budget = settings.maxAttempts >= Number.MAX_SAFE_INTEGER ? '' : ` of ${settings.maxAttempts}`;
        const why = data.code === 1006 && lastTransportError !== undefined ? lastTransportError : closeText(data);
        lastTransportError = undefined;
        note(`${data.attempt === 1 ? 'connection lost' : 'still unreachable'} (${why}); reconnecting in ${seconds} s (attempt ${data.attempt ?? 0}${budget})`);
      }
      if (status === 'auth_failed') {
        const hint = connection.token === undefined ? '; set AETHER_TOKEN or pass --token' : '';
        finish(new CliError(ExitCode.AUTH, `authentication failed on ${connection.wsUrl}: ${closeText(data)}${hint}`));
      }
      if (status === 'failed') {
        const attempts = data.maxAttempts ?? 0;
        finish(new CliError(ExitCode.CONNECT, `gave up after ${attempts} reconnection attempt${attempts === 1 ? '' : 's'}: ${lastTransportError ?? closeText(data)}`));
      }
    });

    client.on('connection', (m) => {
      note(`${everConnected ? 'reconnected' : 'connected'} as ${m.user}`);
      everConnected = true;
      lastTransportError = undefined;
    });
    client.on('resumed', (m) => {
      if (m.recovered) note(`resumed ${m.topic}: ${m.replayed} missed event${m.replayed === 1 ? '' : 's'}`);
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
      if (CONTROL_TYPES.has(m.type)) return;
      print(json ? JSON.stringify(m) : formatEvent(paint, m));
    });
    client.connect();
  });
}

export const watch: Command = {
  name: NAME,
  summary: 'print events from /ws as they arrive (reconnects and resumes)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse(NAME, argv, OPTIONS, true);
    if (values.help === true) {
      out(HELP);
      return ExitCode.OK;
    }
    const topics = positionals.length > 0 ? [...new Set(positionals)] : ['notifications'];
    checkTopics(topics);
    const attempts = intOption(NAME, 'max-attempts', values['max-attempts'], 10, 0, 1_000_000);
    exitQuietlyOnClosedPipe();
    return follow({
      connection: resolveConnection(NAME, values),
      topics,
      json: values.json === true,
      sinceNow: values['since-now'] === true,
      maxAttempts: attempts === 0 ? Number.MAX_SAFE_INTEGER : attempts,
      paint: painter(colorEnabled(process.stdout)),
      paintErr: painter(colorEnabled(process.stderr)),
    });
  },
};
