/**
 * `aether-v token` and `aether-v whoami`. A ws-token (GET /auth/ws-token) is issued only to a
 * signed-in browser session; the CLI authenticates with an API token or OIDC bearer token, which
 * /ws accepts as it is. So `token` prints a ws-token when the server issues one, explains why not
 * otherwise, and `whoami` shows which principal the configured credential is.
 */
import { CONNECTION_OPTIONS, parse } from '../args.js';
import { CONNECTION_HELP, type Command } from '../command.js';
import { resolveConnection } from '../connection.js';
import { CliError, ExitCode } from '../exit.js';
import { detailOf, request } from '../http.js';
import { err, out } from '../output.js';

const OPTIONS = { ...CONNECTION_OPTIONS, json: { type: 'boolean' } } as const;

const TOKEN_HELP = `Usage: aether-v token [options]

Prints a short-lived, single-use WebSocket token (GET /auth/ws-token) for
connecting to /ws?token=… .

The server issues ws-tokens only to signed-in browser sessions. An API token or
OIDC bearer token (AETHER_TOKEN) does not need one: /ws accepts it as it is
(aether-v watch sends it as Authorization: Bearer); this command then says so and
exits 3. With development auth no token is needed at all: it prints nothing, exit 0.
Use aether-v whoami to check who a credential is.

Options:
  --json     print {"token", "expires_in"} instead of the bare token

${CONNECTION_HELP}`;

const WHOAMI_HELP = `Usage: aether-v whoami [options]

Shows who the configured credential is (GET /auth/me): user, name, roles, method
(api-token, oidc, session, dev) and expiry. Exit 3 when the server refuses it.

Options:
  --json     print the server's answer as JSON

${CONNECTION_HELP}`;

export const token: Command = {
  name: 'token',
  summary: 'print a ws-token for /ws (browser sessions; explains the alternatives)',
  help: TOKEN_HELP,
  async run(argv) {
    const { values } = parse('token', argv, OPTIONS);
    const connection = resolveConnection('token', values);
    const response = await request(connection, 'GET', '/auth/ws-token', { accept: [401] });
    if (response.status === 204) {
      err(`aether-v: no token needed: ${connection.baseUrl} runs development auth; connect to ${connection.wsUrl} without one\n`);
      return ExitCode.OK;
    }
    if (response.status === 401) {
      if (connection.token !== undefined) {
        throw new CliError(
          ExitCode.AUTH,
          `no ws-token for this credential: the server issues them to signed-in browser sessions only; /ws accepts your AETHER_TOKEN as it is (Authorization: Bearer, or subprotocol token.<token>), as aether-v watch does`,
        );
      }
      throw new CliError(
        ExitCode.AUTH,
        `no ws-token without a signed-in session (${detailOf(response)}); for scripts set AETHER_TOKEN to an API token or OIDC access token, which /ws accepts directly`,
      );
    }
    const body = response.body as { token?: unknown } | undefined;
    if (typeof body?.token !== 'string') throw new CliError(ExitCode.API, '/auth/ws-token: expected {token, expires_in}');
    out(values.json === true ? `${JSON.stringify(body)}\n` : `${body.token}\n`);
    return ExitCode.OK;
  },
};

export const whoami: Command = {
  name: 'whoami',
  summary: 'show who the configured credential is',
  help: WHOAMI_HELP,
  async run(argv) {
    const { values } = parse('whoami', argv, OPTIONS);
    const connection = resolveConnection('whoami', values);
    const response = await request(connection, 'GET', '/auth/me');
    const me = response.body as { user?: unknown; name?: unknown; roles?: unknown; method?: unknown; expires_at?: unknown } | undefined;
    if (typeof me?.user !== 'string') throw new CliError(ExitCode.API, '/auth/me: expected {user, name, roles, method, expires_at}');
    if (values.json === true) {
      out(`${JSON.stringify(me)}\n`);
      return ExitCode.OK;
    }
    const roles = Array.isArray(me.roles) ? me.roles.join(', ') : '';
    const name = typeof me.name === 'string' && me.name !== me.user ? ` (${me.name})` : '';
    const expires = typeof me.expires_at === 'string' ? `, expires ${me.expires_at}` : '';
    out(`${me.user}${name} via ${String(me.method)}; roles: ${roles || 'none'}${expires}\n`);
    return ExitCode.OK;
  },
};
