/** Which job parameter names are redacted: the documented words, judged by word, not by substring. */
import { describe, expect, it } from 'vitest';
import { isSecretName, nameWords, redactParameters } from '../../src/services/secrets.js';

describe('secret parameter names', () => {
  it.each([
    'password',
    'Password',
    'db_password',
    'dbPassword',
    'DB_PASSWORD2',
    'passwd',
    'passphrase',
    'pass',
    'pw',
    'pwd',
    'root-pw',
    'pin',
    'PIN',
    'sim_pin',
    'pins',
    'otp',
    'secret',
    'client_secret',
    'clientSecret',
    'secrets',
    'token',
    'api_token',
    'accessToken',
    'refresh-token',
    'Token',
    'bearer',
    'bearerToken',
    'jwt',
    'key',
    'api_key',
    'apiKey',
    'APIKey',
    'x-api-key',
    'apikey',
    'ssh_key',
    'sshkey',
    'SSH_Private_Key',
    'privateKey',
    'private',
    'sig',
    'signature',
    'requestSignature',
    'hmac',
    'credential',
    'credentials',
    'creds',
    'auth',
    'basic_auth',
    'Authorization',
    'cookie',
    'session_cookie',
    'cookies',
    'session',
    'sessionId',
    'session_id',
    'keys',
  ])('%s is secret', (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each([
    'keyboard_layout',
    'keyboardLayout',
    'author',
    'authority',
    'bypass',
    'compass',
    'passenger_count',
    'spinner',
    'pinned',
    'monkey',
    'hotkey',
    'signal',
    'signed',
    'privacy_notice',
    'host',
    'vm',
    'target',
    'name',
    'description',
    'duration_ms',
    'enable',
    'mirrors',
    'url',
  ])('%s is not', (name) => {
    expect(isSecretName(name)).toBe(false);
  });

  it('splits names into words at separators, digits and camelCase humps', () => {
    expect(nameWords('SSH_Private_Key')).toEqual(['ssh', 'private', 'key']);
    expect(nameWords('APIKey')).toEqual(['api', 'key']);
    expect(nameWords('xmlHTTPRequest2fa')).toEqual(['xml', 'http', 'request', '2', 'fa']);
    expect(nameWords('keyboard-layout.v2')).toEqual(['keyboard', 'layout', 'v', '2']);
  });

  it('redacts at any depth and keeps the rest', () => {
    expect(redactParameters({ host: 'hv', keyboard_layout: 'de', nested: [{ sig: 'x', pin: 1234, label: 'ok' }], bearer: 'b' })).toEqual({
      host: 'hv',
      keyboard_layout: 'de',
      nested: [{ sig: '[REDACTED]', pin: '[REDACTED]', label: 'ok' }],
      bearer: '[REDACTED]',
    });
  });
});
