/** The edge's pre-auth and body bounds: defaults, and failing fast naming the variable. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { nestsDeeperThan, parseClientMessage } from '../../src/protocol/index.js';
import { quoteValue } from '../../src/services/validate.js';

const dev = { AUTH_ENABLED: 'false', ALLOW_DEV_AUTH: 'true' };

describe('edge bounds config', () => {
  it('has safe defaults', () => {
    expect(loadConfig(dev).limits).toMatchObject({ wsPreauthMaxBytes: 10_240, wsAuthCheckTimeoutMs: 5000, restJsonMaxDepth: 32 });
  });
  it('reads the variables', () => {
    const limits = loadConfig({ ...dev, WS_PREAUTH_MAX_BYTES: '4096', WS_AUTH_CHECK_TIMEOUT_MS: '1500', REST_JSON_MAX_DEPTH: '8' }).limits;
    expect(limits).toMatchObject({ wsPreauthMaxBytes: 4096, wsAuthCheckTimeoutMs: 1500, restJsonMaxDepth: 8 });
  });
  it.each([
    ['WS_PREAUTH_MAX_BYTES', '100', /WS_PREAUTH_MAX_BYTES: expected an integer from 256/],
    ['WS_PREAUTH_MAX_BYTES', 'big', /WS_PREAUTH_MAX_BYTES: expected an integer/],
    ['WS_AUTH_CHECK_TIMEOUT_MS', '50', /WS_AUTH_CHECK_TIMEOUT_MS: expected an integer from 100/],
    ['REST_JSON_MAX_DEPTH', '1', /REST_JSON_MAX_DEPTH: expected an integer from 2/],
  ])('fails fast on %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ ...dev, [name]: value })).toThrow(message);
  });
});

describe('nesting and quoting', () => {
  it('measures nesting without parsing, ignoring brackets inside strings', () => {
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 4)).toBe(false);
    expect(nestsDeeperThan('{"a":[1,{"b":[]}]}', 3)).toBe(true);
    expect(nestsDeeperThan(`{"s":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`, 1)).toBe(false);
    expect(nestsDeeperThan('['.repeat(1_000_000), 16)).toBe(true);
  });
  it('refuses deeply nested client messages before parsing, and quotes keys short', () => {
    const deep = parseClientMessage(`{"type":"ping","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(deep).toMatchObject({ ok: false, code: 'invalid_message' });
    const long = parseClientMessage(JSON.stringify({ type: 'resume', positions: { ['t'.repeat(10_000)]: { offset: { a: [1, 2, 3] }, epoch: 'e' } } }));
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.message.length).toBeLessThan(200);
  });
  it('quotes at most 64 characters of a value and never walks it', () => {
    expect(quoteValue('x'.repeat(1000))).toBe(JSON.stringify(`${'x'.repeat(64)}…`));
    expect(quoteValue(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)))).toBe('an array');
    expect(quoteValue({ a: 1 })).toBe('an object');
    expect(quoteValue(42)).toBe('42');
    expect(quoteValue(undefined)).toBe('nothing');
  });
});
