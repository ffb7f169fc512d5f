/**
 * `aether-v watch`: follows /ws with the client library and prints every event. Connection state
 * goes to stderr, events to stdout. Reconnects and resumes like the browser client, so events
 * created while it was away (a server restart) are printed when it is back.
 */
import { checkTopic } from '../../protocol/index.js';
import { CONNECTION_OPTIONS, intOption, parse } from '../args.js';
import { CONNECTION_HELP, type Command } from '../command.js';
import { resolveConnection } from '../connection.js';
import { usageError } from '../exit.js';
import { follow } from '../follow.js';
import { colorEnabled, exitQuietlyOnClosedPipe, painter } from '../output.js';

const NAME = 'watch';

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  json: { type: 'boolean' },
  'since-now': { type: 'boolean' },
  'max-attempts': { type: 'string' },
  transport: { type: 'string' },
} as const;

const HELP = `Usage: aether-v watch [TOPIC…] [options]

Connects to /ws and prints events as they arrive, until Ctrl-C (exit 0). Topics:
notifications (default), inventory, inventory:<host>, jobs, jobs:<id>, all.

First the current state of the topics (initial_state), then every event. On a
dropped connection it reconnects (1 s, 1.5 s, 2.25 s … up to 30 s) and resumes from
the last event it printed, so nothing created in between is missed or repeated
(when the server can no longer replay that far, it says so and prints the current
state again). Connection changes are reported on stderr.

Options:
  --json              one JSON object per line: the protocol messages as received
                      (initial_state and events), for jq and scripts
  --since-now         skip the state at connect; print only new events
  --max-attempts N    reconnection attempts before giving up with exit 4
                      (default 10; 0 = never give up)
  --transport T       websocket (default) or sse: Server-Sent Events (GET /sse), for
                      networks that strip WebSocket upgrades

${CONNECTION_HELP}
Output is coloured on a terminal unless NO_COLOR is set.

Examples:
  aether-v watch
  aether-v watch jobs inventory --since-now
  aether-v watch --transport sse
  aether-v watch all --json | jq -c 'select(.type == "job")'
`;

function checkTopics(topics: readonly string[]): void {
  for (const topic of topics) {
    const check = checkTopic(topic);
    if (!check.ok)
      throw usageError(`${check.reason} topic ${JSON.stringify(topic)}: expected notifications, inventory, inventory:<host>, jobs, jobs:<id> or all`, NAME);
  }
}

export const watch: Command = {
  name: NAME,
  summary: 'print events from /ws as they arrive (reconnects and resumes)',
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse(NAME, argv, OPTIONS, true);
    const topics = positionals.length > 0 ? [...new Set(positionals)] : ['notifications'];
    checkTopics(topics);
    const transport = values.transport ?? 'websocket';
    if (transport !== 'websocket' && transport !== 'sse') throw usageError(`--transport: expected websocket or sse, got ${JSON.stringify(transport)}`, NAME);
    const attempts = intOption(NAME, 'max-attempts', values['max-attempts'], 10, 0, 1_000_000);
    exitQuietlyOnClosedPipe();
    return follow({
      connection: resolveConnection(NAME, values),
      topics,
      transport,
      json: values.json === true,
      sinceNow: values['since-now'] === true,
      maxAttempts: attempts === 0 ? Number.MAX_SAFE_INTEGER : attempts,
      paint: painter(colorEnabled(process.stdout)),
      paintErr: painter(colorEnabled(process.stderr)),
    });
  },
};
