/**
 * Argument parsing on node:util `parseArgs`, strict: an unknown option or a missing value is a
 * usage error (exit 2) naming the option. Every command shares the connection options.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './exit.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `--url`, `--token` and `--help`, accepted by every command that talks to a server. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Option values typed from the option table, and the positional arguments. */
export interface Parsed<O extends Options> {
  readonly values: { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };
  readonly positionals: string[];
}

/** Node's messages can run on ("To specify a positional argument…"); keep the first sentence. */
function firstSentence(message: string): string {
  const end = message.search(/\.\s/);
  return (end === -1 ? message : message.slice(0, end)).replace(/\.$/, '');
}

/** Thrown by `parse` when `--help`/`-h` was given; the dispatcher prints that command's help. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
}

/**
 * Parses `argv` strictly against `options`; any problem is a usage error (exit 2) naming the
 * command. `--help` throws HelpRequested, so no command handles it itself.
 */
export function parse<O extends Options>(command: string, argv: readonly string[], options: O, allowPositionals = false): Parsed<O> {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals });
    if ((values as Record<string, unknown>).help === true) throw new HelpRequested();
    return { values: values as Parsed<O>['values'], positionals };
  } catch (error) {
    if (error instanceof HelpRequested) throw error;
    throw usageError(firstSentence(error instanceof Error ? error.message : String(error)), command);
  }
}

/** An integer option within bounds, or a usage error naming it. */
export function intOption(command: string, name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw.trim())) throw usageError(`--${name}: expected an integer, got ${JSON.stringify(raw)}`, command);
  const value = Number(raw);
  if (value < min || value > max) throw usageError(`--${name}: expected an integer from ${min} to ${max}, got ${value}`, command);
  return value;
}

/** A value that must be one of `allowed`, or a usage error listing them. */
export function oneOf<T extends string>(command: string, name: string, raw: string | undefined, allowed: readonly T[]): T | undefined {
  if (raw === undefined) return undefined;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw usageError(`--${name}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`, command);
}
