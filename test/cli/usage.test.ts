/** `--help` on every command, and bad usage: exit 2 with exactly one line, no stack trace. */
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/server.js';
import { runCli } from './run.js';

const COMMANDS = ['serve', 'notify', 'watch', 'jobs', 'inventory', 'token', 'whoami'];

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
  return lines[0] as string;
}

describe('help', () => {
  it('aether-v --help lists every command and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const name of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(r.stdout).toContain('Exit codes:');
    expect(r.stderr).toBe('');
  });

  it.each(COMMANDS)('aether-v %s --help, -h and aether-v help COMMAND print its usage and exit 0', async (name) => {
    for (const args of [
      [name, '--help'],
      [name, '-h'],
      ['help', name],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: aether-v ${name}`));
      expect(r.stderr).toBe('');
    }
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^aether-v \d+\.\d+\.\d+\n$/);
  });

  it('no command prints the help on stderr and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: aether-v COMMAND');
  });
});

describe('bad usage exits 2 with one line', () => {
  const cases: Array<[string[], RegExp]> = [
    [['frobnicate'], /^aether-v: unknown command "frobnicate"/],
    [['--verbose'], /^aether-v: expected a command before "--verbose"/],
    [['notify', '--bogus'], /^aether-v: Unknown option '--bogus' \(see aether-v notify --help\)$/],
    [['notify', '--title', 'only a title'], /^aether-v: missing --message/],
    [['notify', '--title', 't', '--message', 'm', '--level', 'loud'], /--level: expected one of info, warning, error, success, got "loud"/],
    [['notify', '--title', 't', '--message', 'm', '--category', 'weather'], /--category: expected one of/],
    [['notify', 'extra'], /unexpected argument "extra"/],
    [['notify', '--title'], /Option '-t, --title <value>' argument missing/],
    [['watch', 'weather'], /unknown topic "weather"/],
    [['watch', 'jobs:<x>'], /invalid topic "jobs:<x>"/],
    [['watch', '--max-attempts', 'many'], /--max-attempts: expected an integer, got "many"/],
    [['jobs', '--limit', '0'], /--limit: expected an integer from 1 to 500, got 0/],
    [['jobs', '--status', 'sleeping'], /--status: expected one of pending, running/],
    [['jobs', 'extra'], /Unexpected argument 'extra'/],
    [['inventory', '--url', 'ftp://example.com'], /--url \/ AETHER_URL: expected an http:\/\/ or https:\/\/ URL/],
    [['serve', '--port', '70000'], /--port: expected an integer from 0 to 65535, got 70000/],
    [['help', 'nope'], /unknown command "nope"/],
  ];
  it.each(cases)('aether-v %j', async (args, pattern) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(pattern);
    expect(r.stdout).toBe('');
  });

  it.each([
    ['not json', /stdin: not valid JSON/],
    ['[1,2]', /stdin: expected a JSON object/],
    ['{"title":"t"}', /missing --message/],
  ])('notify - with %j on stdin', async (input, pattern) => {
    const r = await runCli(['notify', '-'], { input });
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr)).toMatch(pattern);
  });
});

describe('cannot connect exits 4 with one line', () => {
  it.each([['notify', '--title', 't', '--message', 'm'], ['watch'], ['jobs'], ['inventory'], ['token'], ['whoami']])('aether-v %s …', async (...args) => {
    const port = await freePort();
    const r = await runCli(args, { env: { AETHER_URL: `http://127.0.0.1:${port}` } });
    expect(r.code).toBe(4);
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.includes('connecting to'));
    expect(lines).toEqual([expect.stringMatching(new RegExp(`^aether-v: cannot connect to (ws|http)://127\\.0\\.0\\.1:${port}(/ws)?: .*ECONNREFUSED`))]);
  });
});
