/**
 * `aether-v serve`: the server, exactly as `npm start` runs it (dist/main.js), with flags for the
 * main settings mapped onto their environment variables. Flags win over the environment.
 */
import { intOption, parse } from '../args.js';
import type { Command } from '../command.js';
import { ExitCode } from '../exit.js';

const NAME = 'serve';

const OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  'data-dir': { type: 'string' },
  'database-url': { type: 'string' },
  debug: { type: 'boolean' },
  'dummy-data': { type: 'boolean' },
  dev: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `Usage: aether-v serve [options]

Runs the server: REST API, /ws and the web page on one port, until SIGTERM or
Ctrl-C (graceful drain). Every other setting is an environment variable (README,
"Configuration"); a bad value stops it with exit 2 naming the variable.

Options:
  --host ADDRESS        address to bind (HOST, default 127.0.0.1)
  -p, --port PORT       port, 0 for a free one (PORT, default 8000)
  --data-dir DIR        directory of the SQLite file (DATA_DIR, default ./data)
  --database-url URL    sqlite:<file> instead of --data-dir (DATABASE_URL)
  --debug               debug logging, every WebSocket event (DEBUG=true)
  --dummy-data          seed demo data (DUMMY_DATA=true)
  --dev                 development auth, everyone is dev-user, loopback only
                        (AUTH_ENABLED=false ALLOW_DEV_AUTH=true)
  -h, --help            show this help

Examples:
  aether-v serve --dev --dummy-data
  AUTH_ENABLED=true SESSION_SECRET_KEY=… API_TOKEN=… aether-v serve --host 0.0.0.0
`;

export const serve: Command = {
  name: NAME,
  summary: 'run the server (same as npm start)',
  help: HELP,
  async run(argv) {
    const { values } = parse(NAME, argv, OPTIONS);
    const env = process.env;
    if (values.host !== undefined) env.HOST = values.host;
    if (values.port !== undefined) env.PORT = String(intOption(NAME, 'port', values.port, 8000, 0, 65535));
    if (values['data-dir'] !== undefined) env.DATA_DIR = values['data-dir'];
    if (values['database-url'] !== undefined) env.DATABASE_URL = values['database-url'];
    if (values.debug === true) env.DEBUG = 'true';
    if (values['dummy-data'] === true) env.DUMMY_DATA = 'true';
    if (values.dev === true) {
      env.AUTH_ENABLED = 'false';
      env.ALLOW_DEV_AUTH = 'true';
    }
    // The server's entry point runs on import and owns the process from here on: it exits on
    // SIGTERM/SIGINT after draining, or with exit 2 on a configuration error.
    await import('../../main.js');
    return ExitCode.OK;
  },
};
