/**
 * Runs the real `aether-v` binary (`node dist/cli/main.js`, built by `npm run build`) as a child
 * process: to completion with `runCli`, or kept running with `spawnCli` (for `watch`), whose
 * stdout lines are queued so a test waits for "the next line matching…" without races.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli/main.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without any AETHER_* or colour settings of the machine running the tests. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AETHER_|NO_COLOR$|FORCE_COLOR$)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

export function runCli(args: readonly string[], options: { env?: Record<string, string>; input?: string; file?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.file ?? CLI, ...args], { env: cleanEnv(options.env ?? {}), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the first stdout line (already seen or future) that `match` accepts. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves when stderr matches. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<number | null>;
  /** Sends a signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

async function poll(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function spawnCli(args: readonly string[], options: { env?: Record<string, string>; file?: string } = {}): RunningCli {
  const child = spawn(process.execPath, [options.file ?? CLI, ...args], { env: cleanEnv(options.env ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const describe = (): string => `\nstdout:\n${lines.join('\n')}\nstderr:\n${stderr}`;
  return {
    child,
    lines,
    stderr: () => stderr,
    async waitForLine(match, timeoutMs = 15_000) {
      let found: string | undefined;
      await poll(
        () => (found = lines.find(match)) !== undefined,
        timeoutMs,
        () => `a matching line${describe()}`,
      );
      return found as string;
    },
    async waitForStderr(pattern, timeoutMs = 15_000) {
      await poll(
        () => pattern.test(stderr),
        timeoutMs,
        () => `${String(pattern)} on stderr${describe()}`,
      );
    },
    exited,
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Parses `watch --json` lines. */
export function jsonLines(lines: readonly string[]): Array<Record<string, any>> {
  return lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, any>);
}
