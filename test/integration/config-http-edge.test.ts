/** HTTP edge configuration: connection cap and timeouts, /metrics access, session secret strength. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig, secretWeakness } from '../../src/config.js';
import { configError } from '../helpers/config-error.js';

const dev = { AUTH_ENABLED: 'false', ALLOW_DEV_AUTH: 'true' };
const SECRET = 'config-test-secret-0123456789-abcdefghij';
const authOn = { SESSION_SECRET_KEY: SECRET, API_TOKEN: 'a'.repeat(32) };

const error = configError;

describe('HTTP connection cap and timeouts', () => {
  it('defaults the cap to WS_MAX_CONNECTIONS + 1024, following it', () => {
    expect(loadConfig(dev).http).toEqual({ maxConnections: 11_024, headersTimeoutMs: 10_000, requestTimeoutMs: 60_000 });
    expect(loadConfig({ ...dev, WS_MAX_CONNECTIONS: '25000' }).http.maxConnections).toBe(26_024);
    expect(
      loadConfig({ ...dev, HTTP_MAX_CONNECTIONS: '500', WS_MAX_CONNECTIONS: '100', HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '3000' }).http,
    ).toEqual({ maxConnections: 500, headersTimeoutMs: 2000, requestTimeoutMs: 3000 });
  });

  it('refuses a cap at or below WS_MAX_CONNECTIONS, and timeouts out of order, naming the variable', () => {
    expect(error({ ...dev, HTTP_MAX_CONNECTIONS: '10000' })).toMatch(/^HTTP_MAX_CONNECTIONS: must exceed WS_MAX_CONNECTIONS \(10000\)/);
    expect(error({ ...dev, HTTP_MAX_CONNECTIONS: 'many' })).toMatch(/^HTTP_MAX_CONNECTIONS: expected an integer/);
    expect(error({ ...dev, HTTP_HEADERS_TIMEOUT_MS: '10' })).toMatch(/^HTTP_HEADERS_TIMEOUT_MS: expected an integer from 500/);
    expect(error({ ...dev, HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '4000' })).toMatch(
      /^HTTP_REQUEST_TIMEOUT_MS: must not be below HTTP_HEADERS_TIMEOUT_MS/,
    );
  });
});

describe('METRICS_TOKEN', () => {
  const token = randomBytes(24).toString('hex');
  it('leaves /metrics open only in development mode without a token', () => {
    expect(loadConfig(dev).metrics).toEqual({ token: undefined, open: true });
    expect(loadConfig({ ...dev, METRICS_TOKEN: token }).metrics).toEqual({ token, open: false });
    expect(loadConfig(authOn).metrics).toEqual({ token: undefined, open: false });
    expect(loadConfig({ ...authOn, METRICS_TOKEN: token }).metrics).toEqual({ token, open: false });
  });
  it('refuses a short or predictable token', () => {
    expect(error({ ...dev, METRICS_TOKEN: 'short' })).toMatch(/^METRICS_TOKEN: must be at least 16 bytes/);
    expect(error({ ...dev, METRICS_TOKEN: 'metrics-metrics-metrics-metrics' })).toMatch(/^METRICS_TOKEN: too predictable/);
  });
});

describe('SESSION_SECRET_KEY strength', () => {
  it.each([
    ['one repeated character', 'a'.repeat(48), /only 1 distinct characters/],
    ['a few characters', 'abababababcdcdcdcdcdabababababcdcd', /only 4 distinct characters/],
    ['a repeated word', 'changeme-changeme-changeme-changeme', /repeats a 9-character sequence/],
    ['a repeated run of digits', '0123456789012345678901234567890123456789', /repeats a 10-character sequence/],
    ['low estimated entropy', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdefghij', /bits of entropy estimated \(at least 80\)/],
  ])('refuses %s, naming the variable and how to make one', (_what, secret, reason) => {
    const message = error({ SESSION_SECRET_KEY: secret, API_TOKEN: 'a'.repeat(32) });
    expect(message).toMatch(/^SESSION_SECRET_KEY: too predictable/);
    expect(message).toMatch(reason);
    expect(message).toContain('openssl rand -base64 48');
  });

  it('accepts generated secrets of the documented kinds, every time', () => {
    // 2,000 rounds: a floor of 96 refused about one 32-character hex token in 400,000 (CI saw it once).
    for (let i = 0; i < 2000; i++) {
      for (const secret of [
        randomBytes(48).toString('base64'),
        randomBytes(32).toString('hex'),
        randomBytes(16).toString('hex'),
        randomBytes(32).toString('base64url'),
      ]) {
        expect(secretWeakness(secret), secret).toBeUndefined();
      }
    }
    expect(loadConfig(authOn).auth.mode).toBe('enabled');
  });
});
