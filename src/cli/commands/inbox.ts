/** `aether-v resolve`, `archive` and `snooze`: the inbox's condition and state changes over REST. */
import { CONNECTION_OPTIONS, parse } from '../args.js';
import { CONNECTION_HELP, type Command } from '../command.js';
import { resolveConnection } from '../connection.js';
import { ExitCode, usageError } from '../exit.js';
import { request } from '../http.js';
import { out } from '../output.js';

const BASE = '/api/v1/notifications';

function print(json: boolean, body: unknown): void {
  const id = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
  out(json ? `${JSON.stringify(body)}\n` : `${String(id)}\n`);
}

const RESOLVE_OPTIONS = { ...CONNECTION_OPTIONS, read: { type: 'boolean' }, json: { type: 'boolean' } } as const;

export const resolve: Command = {
  name: 'resolve',
  summary: 'resolve an active condition and print its notification id',
  help: `Usage: aether-v resolve CONDITION_KEY [--read] [--json]

Marks the active notification of a condition resolved (POST ${BASE}/resolve; needs the
admin role) and prints its id. Everyone it is addressed to gets a \`resolved\` event; the next
\`notify --condition\` with that key creates a new notification. Exits 1 (the server answers 404)
when the condition is not active.

Options:
      --read     also mark it read for you
      --json     print the whole notification as JSON instead of its id

${CONNECTION_HELP}
Example:
  aether-v resolve host:hv-03:unreachable --read
`,
  async run(argv) {
    const { values, positionals } = parse('resolve', argv, RESOLVE_OPTIONS, true);
    if (positionals.length !== 1) throw usageError('expected one CONDITION_KEY', 'resolve');
    const connection = resolveConnection('resolve', values);
    const response = await request(connection, 'POST', `${BASE}/resolve`, { body: { condition_key: positionals[0], read: values.read === true } });
    print(values.json === true, response.body);
    return ExitCode.OK;
  },
};

const ARCHIVE_OPTIONS = { ...CONNECTION_OPTIONS, undo: { type: 'boolean' }, json: { type: 'boolean' } } as const;

export const archive: Command = {
  name: 'archive',
  summary: 'archive notifications (for you) by id',
  help: `Usage: aether-v archive ID... [--undo] [--json]

Archives each notification for you (PUT ${BASE}/{id}/archive): it leaves your default view
(the page's All tab, the REST list without state=) and stays in the Archived tab. Prints each id.

Options:
      --undo     put them back (PUT ${BASE}/{id}/unarchive)
      --json     print each notification as JSON instead of its id

${CONNECTION_HELP}`,
  async run(argv) {
    const { values, positionals } = parse('archive', argv, ARCHIVE_OPTIONS, true);
    if (positionals.length === 0) throw usageError('expected at least one notification ID', 'archive');
    const connection = resolveConnection('archive', values);
    for (const id of positionals) {
      const response = await request(connection, 'PUT', `${BASE}/${encodeURIComponent(id)}/${values.undo === true ? 'unarchive' : 'archive'}`);
      print(values.json === true, response.body);
    }
    return ExitCode.OK;
  },
};

const SNOOZE_OPTIONS = {
  ...CONNECTION_OPTIONS,
  for: { type: 'string' },
  until: { type: 'string' },
  off: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** `90s` is refused; `30m`, `2h`, `1d` → minutes. */
function minutesOf(text: string): number {
  const match = /^(\d{1,5})([mhd])$/.exec(text);
  if (match === null) throw usageError(`--for: expected a duration like 30m, 2h or 1d, got ${JSON.stringify(text)}`, 'snooze');
  return Number(match[1]) * { m: 1, h: 60, d: 1440 }[match[2] as 'm' | 'h' | 'd'];
}

export const snooze: Command = {
  name: 'snooze',
  summary: 'snooze a notification (for you) until a time',
  help: `Usage: aether-v snooze ID (--for DURATION | --until ISO | --off) [--json]

Snoozes a notification for you (PUT ${BASE}/{id}/snooze): it leaves your default view and
comes back live, on every open page, when the snooze ends (at most 30 days ahead).

Options:
      --for DURATION   30m, 2h, 1d (minutes, hours, days)
      --until ISO      an ISO-8601 time, e.g. 2026-01-01T09:00:00Z
      --off            end the snooze now (PUT ${BASE}/{id}/unsnooze)
      --json           print the notification as JSON instead of its id

${CONNECTION_HELP}
Example:
  aether-v snooze 5645608b-… --for 2h
`,
  async run(argv) {
    const { values, positionals } = parse('snooze', argv, SNOOZE_OPTIONS, true);
    if (positionals.length !== 1) throw usageError('expected one notification ID', 'snooze');
    const given = [values.for, values.until, values.off].filter((v) => v !== undefined).length;
    if (given !== 1) throw usageError('give exactly one of --for, --until or --off', 'snooze');
    const connection = resolveConnection('snooze', values);
    const path = `${BASE}/${encodeURIComponent(positionals[0] as string)}`;
    const response =
      values.off === true
        ? await request(connection, 'PUT', `${path}/unsnooze`)
        : await request(connection, 'PUT', `${path}/snooze`, { body: values.for !== undefined ? { minutes: minutesOf(values.for) } : { until: values.until } });
    print(values.json === true, response.body);
    return ExitCode.OK;
  },
};
