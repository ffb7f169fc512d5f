/**
 * `aether-v connections` and `aether-v disconnect`: the admin API from the command line
 * (GET /api/v1/admin/connections, POST /api/v1/admin/disconnect). Both need a token with the
 * admin role (the API token, or an OIDC token of an admin); anything else exits 3.
 */
import { CONNECTION_OPTIONS, intOption, parse } from '../args.js';
import { CONNECTION_HELP, type Command } from '../command.js';
import { resolveConnection } from '../connection.js';
import { CliError, ExitCode, usageError } from '../exit.js';
import { notAvailable, request } from '../http.js';
import { colorEnabled, err, out, painter, table, type Column } from '../output.js';

const LIST_PATH = '/api/v1/admin/connections';
const DISCONNECT_PATH = '/api/v1/admin/disconnect';

const LIST_OPTIONS = { ...CONNECTION_OPTIONS, user: { type: 'string', short: 'u' }, limit: { type: 'string', short: 'n' }, json: { type: 'boolean' } } as const;
const DISCONNECT_OPTIONS = {
  ...CONNECTION_OPTIONS,
  user: { type: 'string', short: 'u' },
  session: { type: 'string' },
  connection: { type: 'string', short: 'c' },
  reason: { type: 'string', short: 'r' },
  json: { type: 'boolean' },
} as const;

/** The fields the table shows (docs/OPERATIONS.md, "Admin API"). */
interface Row {
  readonly id: string;
  readonly user: string;
  readonly transport: string;
  readonly remote_address: string | null;
  readonly topics: readonly string[];
  readonly since: string;
  readonly bytes_out: number;
  readonly instance: string;
}

const shortTime = (iso: string): string => (typeof iso === 'string' ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '');

export const connections: Command = {
  name: 'connections',
  summary: 'list open connections on every instance (admin)',
  help: `Usage: aether-v connections [options]

Lists the open WebSocket and SSE connections of every instance, oldest first (GET ${LIST_PATH}).
Needs the admin role.

Options:
  -u, --user USER    only this user id
  -n, --limit N      at most N connections (1–10000, default 100; the server caps at ADMIN_LIST_MAX)
      --json         print the server's answer as JSON

${CONNECTION_HELP}`,
  async run(argv) {
    const { values } = parse('connections', argv, LIST_OPTIONS);
    const limit = intOption('connections', 'limit', values.limit, 100, 1, 10_000);
    const connection = resolveConnection('connections', values);
    const query = new URLSearchParams({ limit: String(limit), ...(values.user === undefined ? {} : { user: values.user }) });
    const response = await request(connection, 'GET', `${LIST_PATH}?${query.toString()}`, { accept: [404] });
    if (response.status === 404) throw notAvailable(connection, LIST_PATH);
    const body = response.body as { connections?: unknown; instances?: unknown; truncated?: unknown; matched?: unknown } | undefined;
    if (!Array.isArray(body?.connections) || !Array.isArray(body.instances))
      throw new CliError(ExitCode.API, `${LIST_PATH}: expected {connections: […], instances: […]}`);
    if (values.json === true) {
      out(`${JSON.stringify(body)}\n`);
      return ExitCode.OK;
    }
    const rows = body.connections as Row[];
    const columns: Column<Row>[] = [
      { header: 'ID', value: (r) => r.id },
      { header: 'USER', value: (r) => r.user },
      { header: 'TRANSPORT', value: (r) => r.transport },
      { header: 'ADDRESS', value: (r) => r.remote_address ?? '' },
      { header: 'SINCE', value: (r) => shortTime(r.since) },
      { header: 'OUT', value: (r) => String(r.bytes_out), align: 'right' },
      { header: 'TOPICS', value: (r) => r.topics.join(',') },
      { header: 'INSTANCE', value: (r) => r.instance },
    ];
    if (rows.length > 0) out(table(rows, columns, painter(colorEnabled(process.stdout))));
    err(`aether-v: ${rows.length} connection(s) from ${body.instances.length} instance(s)${body.truncated === true ? `; more than --limit ${limit}` : ''}\n`);
    return ExitCode.OK;
  },
};

export const disconnect: Command = {
  name: 'disconnect',
  summary: 'close connections by user, session or id on every instance (admin)',
  help: `Usage: aether-v disconnect (--user USER | --session SESSION | --connection ID) --reason TEXT

Closes the matching connections on every instance with close code 4011; the client shows
the reason and does not reconnect on its own. By user or session, the browser sessions end
too (POST ${DISCONNECT_PATH}). Needs the admin role.

Options:
  -u, --user USER          every connection of this user id
      --session SESSION    every connection of this session id
  -c, --connection ID      one connection (the ID column of aether-v connections)
  -r, --reason TEXT        shown to the user (required, at most 100 bytes)
      --json               print the server's answer as JSON

${CONNECTION_HELP}`,
  async run(argv) {
    const { values } = parse('disconnect', argv, DISCONNECT_OPTIONS);
    const targets = (['user', 'session', 'connection'] as const).filter((k) => values[k] !== undefined);
    if (targets.length !== 1) throw usageError('give exactly one of --user, --session, --connection', 'disconnect');
    const by = targets[0] as (typeof targets)[number];
    if (values.reason === undefined || values.reason.trim() === '') throw usageError('--reason is required', 'disconnect');
    const connection = resolveConnection('disconnect', values);
    const response = await request(connection, 'POST', DISCONNECT_PATH, { body: { [by]: values[by], reason: values.reason }, accept: [404] });
    if (response.status === 404) throw notAvailable(connection, DISCONNECT_PATH);
    const body = response.body as { closed?: unknown; sessions_ended?: unknown; instances?: unknown } | undefined;
    if (typeof body?.closed !== 'number' || !Array.isArray(body.instances))
      throw new CliError(ExitCode.API, `${DISCONNECT_PATH}: expected {closed, instances}`);
    if (values.json === true) out(`${JSON.stringify(body)}\n`);
    else out(`closed ${body.closed} connection(s) on ${body.instances.length} instance(s); ${String(body.sessions_ended)} session(s) ended\n`);
    return ExitCode.OK;
  },
};
