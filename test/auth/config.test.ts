/** Configuration rules for authentication: dev mode, what is required, what is refused. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { configError } from '../helpers/config-error.js';
import { createDevAuthenticator } from '../../src/auth/dev.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { startServer } from '../helpers/inproc-server.js';
import { connect } from '../helpers/auth-socket.js';

const SECRET = 'config-test-secret-0123456789-abcdefghij';

const error = configError;

describe('authentication configuration', () => {
  it('is on by default and refuses to start without a secret and a method, naming both', () => {
    const message = error({});
    expect(message).toContain('SESSION_SECRET_KEY');
    expect(message).toContain('API_TOKEN');
    expect(message).toContain('OIDC_ISSUER_URL');
  });

  it('names only what is missing', () => {
    expect(error({ API_TOKEN: 'a'.repeat(32) })).toMatch(/SESSION_SECRET_KEY \(at least 32 bytes\) is missing/);
    expect(error({ SESSION_SECRET_KEY: SECRET })).not.toContain('SESSION_SECRET_KEY (');
  });

  it('refuses a short secret or API token, half an OIDC configuration, and a missing OIDC_ROLE_NAME', () => {
    expect(error({ SESSION_SECRET_KEY: 'short', API_TOKEN: 'a'.repeat(32) })).toMatch(/^SESSION_SECRET_KEY: must be at least 32 bytes/);
    expect(error({ SESSION_SECRET_KEY: SECRET, API_TOKEN: 'short' })).toMatch(/^API_TOKEN:/);
    expect(error({ SESSION_SECRET_KEY: SECRET, OIDC_ISSUER_URL: 'https://idp.example' })).toMatch(/^OIDC_CLIENT_ID:/);
    expect(error({ SESSION_SECRET_KEY: SECRET, OIDC_CLIENT_ID: 'x' })).toMatch(/^OIDC_ISSUER_URL:/);
    expect(error({ SESSION_SECRET_KEY: SECRET, OIDC_ISSUER_URL: 'https://idp.example', OIDC_CLIENT_ID: 'x' })).toMatch(/^OIDC_ROLE_NAME:/);
    expect(error({ SESSION_SECRET_KEY: SECRET, OIDC_ISSUER_URL: 'not a url', OIDC_CLIENT_ID: 'x', OIDC_ROLE_NAME: '*' })).toMatch(/^OIDC_ISSUER_URL:/);
  });

  it('accepts OIDC with OIDC_ROLE_NAME=* and reads origins and limits', () => {
    const config = loadConfig({
      SESSION_SECRET_KEY: SECRET,
      OIDC_ISSUER_URL: 'https://idp.example/',
      OIDC_CLIENT_ID: 'console',
      OIDC_ROLE_NAME: '*',
      ALLOWED_ORIGINS: 'https://console.example.com, https://ops.example.com',
      WS_MAX_CONNECTIONS_PER_USER: '3',
    });
    expect(config.auth.mode).toBe('enabled');
    if (config.auth.mode !== 'enabled') throw new Error('unreachable');
    expect(config.auth.oidc).toMatchObject({ issuerUrl: 'https://idp.example', clientId: 'console', roleName: '*', clockToleranceSec: 30 });
    expect(config.auth.wsTokenTtlSec).toBe(300);
    expect(config.allowedOrigins).toEqual(['https://console.example.com', 'https://ops.example.com']);
    expect(config.limits.wsMaxConnectionsPerUser).toBe(3);
    expect(error({ SESSION_SECRET_KEY: SECRET, API_TOKEN: 'a'.repeat(32), ALLOWED_ORIGINS: '*' })).toMatch(/^ALLOWED_ORIGINS:/);
    expect(error({ SESSION_SECRET_KEY: SECRET, API_TOKEN: 'a'.repeat(32), ALLOWED_ORIGINS: 'https://x.example/path' })).toMatch(/^ALLOWED_ORIGINS:/);
  });

  it('requires PUBLIC_URL for OIDC sign-in on a non-loopback HOST', () => {
    const oidc = { SESSION_SECRET_KEY: SECRET, OIDC_ISSUER_URL: 'https://idp.example', OIDC_CLIENT_ID: 'c', OIDC_ROLE_NAME: '*', HOST: '0.0.0.0' };
    expect(error(oidc)).toMatch(/^PUBLIC_URL:/);
    expect(loadConfig({ ...oidc, PUBLIC_URL: 'https://console.example.com' }).publicUrl).toBe('https://console.example.com');
  });

  it('turns abuse limits on by default with auth, off in dev mode', () => {
    const on = loadConfig({ SESSION_SECRET_KEY: SECRET, API_TOKEN: 'a'.repeat(32) }).limits;
    expect([on.wsMaxConnectionsPerUser, on.wsMaxConnectionsPerIp, on.wsMessagesPerSecond, on.wsTokenRequestsPerMinute]).toEqual([20, 100, 20, 30]);
    const dev = loadConfig({ AUTH_ENABLED: 'false', ALLOW_DEV_AUTH: 'true' }).limits;
    expect([dev.wsMaxConnectionsPerUser, dev.wsMaxConnectionsPerIp, dev.wsMessagesPerSecond]).toEqual([0, 0, 0]);
  });

  it('dev mode needs AUTH_ENABLED=false AND ALLOW_DEV_AUTH=true, and stays on loopback', () => {
    expect(error({ AUTH_ENABLED: 'false' })).toMatch(/^ALLOW_DEV_AUTH:/);
    expect(error({ ALLOW_DEV_AUTH: 'true' })).toMatch(/^AUTH_ENABLED:/); // flag alone does not turn auth off
    expect(error({ AUTH_ENABLED: 'false', ALLOW_DEV_AUTH: 'true', HOST: '0.0.0.0' })).toMatch(/^HOST:/);
    expect(loadConfig({ AUTH_ENABLED: 'false', ALLOW_DEV_AUTH: 'true' }).auth).toEqual({ mode: 'dev', devUser: 'dev-user' });
  });

  it('dev mode: everyone is dev-user (admin), a warning is logged, origins are still checked', async () => {
    const principal = await createDevAuthenticator().credential('anything', {} as never);
    expect(principal).toMatchObject({ ok: true, principal: { id: 'dev-user', roles: ['admin'] } });
    const capture = createLogCapture();
    const app = await startServer({ AUTH_ENABLED: 'false', ALLOW_DEV_AUTH: 'true' }, capture);
    try {
      expect(capture.grep(/development auth is on/).length).toBe(1);
      const socket = await connect(app.wsUrl);
      expect(await socket.next()).toMatchObject({ type: 'connection', user: 'dev-user' });
      socket.close();
      const evil = await connect(app.wsUrl, { headers: { origin: 'https://evil.example' } });
      expect((await evil.closed).code).toBe(1008);
      const me = await fetch(`${app.url}/auth/me`);
      expect(await me.json()).toMatchObject({ user: 'dev-user', method: 'dev' });
    } finally {
      await app.close();
    }
  });
});
