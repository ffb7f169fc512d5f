/** The shape of one `aether-v` command: its name, a one-line summary, its --help text and its run. */
import type { ExitCode } from './exit.js';

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** The full `--help` text, ending in a newline. */
  readonly help: string;
  /** Runs with the arguments after the command name; resolves with the exit code, throws a CliError. */
  run(argv: readonly string[]): Promise<ExitCode>;
}

/** The lines every server-talking command's help ends with. */
export const CONNECTION_HELP = `Connection:
  --url URL        server base URL (env AETHER_URL, default http://127.0.0.1:8000)
  --token TOKEN    API token or OIDC bearer token (env AETHER_TOKEN, preferred:
                   flags show in process lists); sent as Authorization: Bearer,
                   never in a URL
  -h, --help       show this help
`;
