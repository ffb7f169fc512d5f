/**
 * Exit codes of `aether-v` and the one error type its commands throw. `main.ts` prints a CliError
 * as one line on stderr and exits with its code; nothing else ever reaches the user as a stack trace.
 */

export const ExitCode = {
  /** Done. `watch` also exits 0 when stopped with Ctrl-C (SIGINT) or SIGTERM. */
  OK: 0,
  /** The server answered with an error (validation, not found, 5xx), or something unexpected failed. */
  API: 1,
  /** Bad usage: unknown option, missing or malformed argument, bad JSON on stdin. */
  USAGE: 2,
  /** The credential was refused (HTTP 401/403, WebSocket close 1008/4003/4011/4012), or none was given and one is needed. */
  AUTH: 3,
  /** The server could not be reached (refused, DNS, timeout), or `watch` gave up reconnecting. */
  CONNECT: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure to report as one line on stderr, with the exit code the process ends with. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}

/** A usage error (exit 2) pointing at the command's --help. */
export function usageError(message: string, command?: string): CliError {
  const hint = command === undefined ? 'aether-v --help' : `aether-v ${command} --help`;
  return new CliError(ExitCode.USAGE, `${message} (see ${hint})`);
}
