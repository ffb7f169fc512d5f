#!/usr/bin/env node
/**
 * `aether-v`: the command-line tool. Dispatches to one command per file under commands/; every
 * failure is one line on stderr and a documented exit code (exit.ts), never a stack trace.
 */
import { readFileSync } from 'node:fs';
import type { Command } from './command.js';
import { connections, disconnect } from './commands/admin.js';
import { archive, resolve, snooze } from './commands/inbox.js';
import { inventory } from './commands/inventory.js';
import { jobs } from './commands/jobs.js';
import { notify } from './commands/notify.js';
import { serve } from './commands/serve.js';
import { token, whoami } from './commands/token.js';
import { watch } from './commands/watch.js';
import { HelpRequested } from './args.js';
import { CliError, ExitCode, usageError } from './exit.js';
import { clean, err, out } from './output.js';

const COMMANDS: readonly Command[] = [serve, notify, resolve, archive, snooze, watch, jobs, inventory, connections, disconnect, token, whoami];

/** The package version, read from package.json next to dist/. */
function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: aether-v COMMAND [options]        (aether-v COMMAND --help for its options)
       aether-v --version

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Environment:
  AETHER_URL     server base URL (default http://127.0.0.1:8000); --url overrides
  AETHER_TOKEN   API token or OIDC bearer token; --token overrides
  NO_COLOR       set to disable colour

Exit codes:
  0  ok (watch: also after Ctrl-C / SIGTERM)
  1  the server answered with an error, or an unexpected failure
  2  bad usage (unknown option, missing argument, bad JSON on stdin)
  3  authentication failed (401/403, WebSocket close 1008/4003/4011/4012, or no token)
  4  cannot connect to the server, or watch gave up reconnecting
`;
}

async function main(argv: readonly string[]): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    err(topHelp());
    return ExitCode.USAGE;
  }
  if (first === '-V' || first === '--version') {
    out(`aether-v ${version()}\n`);
    return ExitCode.OK;
  }
  if (first === '-h' || first === '--help') {
    out(topHelp());
    return ExitCode.OK;
  }
  if (first === 'help') {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    if (rest[0] !== undefined && command === undefined) throw usageError(`unknown command ${JSON.stringify(rest[0])}`);
    out(command?.help ?? topHelp());
    return ExitCode.OK;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (command === undefined) {
    if (first.startsWith('-')) throw usageError(`expected a command before ${JSON.stringify(first)}`);
    throw usageError(`unknown command ${JSON.stringify(first)}; commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (!(error instanceof HelpRequested)) throw error;
    out(command.help);
    return ExitCode.OK;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliError) {
      err(`aether-v: ${clean(error.message)}\n`);
      process.exitCode = error.exitCode;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    err(`aether-v: unexpected failure: ${clean(message.split('\n')[0] ?? '')}\n`);
    process.exitCode = ExitCode.API;
  },
);
