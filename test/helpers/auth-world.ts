/**
 * A real OIDC provider plus a real server configured against it (AUTH_ENABLED=true), the secrets
 * both use, and a way to mint tokens signed by the provider's keys.
 */
import { SignJWT, type JWTPayload } from 'jose';
import { createLogCapture, type LogCapture } from './log-capture.js';
import { createTestKey, startProvider, type TestKey, type TestProvider, type TestUser } from './oidc-provider.js';
import { freePort, startServer, type TestServer } from './inproc-server.js';

export const SESSION_SECRET = 'test-session-secret-0123456789-abcdefghijkl';
export const API_TOKEN = 'test-api-token-0123456789abcdef';
/** Opens /metrics with auth on (`Authorization: Bearer`). */
export const METRICS_TOKEN = 'test-metrics-token-0123456789-uvwxyz';
export const CLIENT_ID = 'aether-console';
export const CLIENT_SECRET = 'test-client-secret-0123456789';
export const USER_ROLE = 'aether-user';
export const ADMIN_ROLE = 'aether-admin';

export const USERS: Record<string, TestUser> = {
  alice: { preferred_username: 'alice', roles: [USER_ROLE] },
  bob: { preferred_username: 'bob', groups: [USER_ROLE, ADMIN_ROLE] },
  mallory: { preferred_username: 'mallory', roles: ['visitor'] },
};

/** The server environment for auth on with every method: a session secret, the API token and OIDC at `issuer`. */
export function authEnv(issuer: string): Record<string, string> {
  return {
    SESSION_SECRET_KEY: SESSION_SECRET,
    API_TOKEN,
    OIDC_ISSUER_URL: issuer,
    OIDC_CLIENT_ID: CLIENT_ID,
    OIDC_CLIENT_SECRET: CLIENT_SECRET,
    OIDC_ROLE_NAME: USER_ROLE,
    OIDC_ADMIN_ROLE: ADMIN_ROLE,
  };
}

export interface AuthWorld {
  readonly capture: LogCapture;
  provider: TestProvider;
  readonly app: TestServer;
  keys: TestKey[];
  /** Mints a token signed with `key` (default: the first), with sensible defaults for every claim. */
  mint(claims?: JWTPayload, options?: { key?: TestKey; expiresInSec?: number }): Promise<string>;
  /** Restarts the provider on the same port with new keys (rotation). */
  rotate(keys: TestKey[]): Promise<void>;
  close(): Promise<void>;
}

export interface WorldOptions {
  readonly env?: Record<string, string>;
  readonly jwksCooldownMs?: number;
}

export async function startAuthWorld(options: WorldOptions = {}): Promise<AuthWorld> {
  const capture = createLogCapture();
  for (const s of [SESSION_SECRET, API_TOKEN, CLIENT_SECRET]) capture.secret(s);
  const appPort = await freePort();
  let keys = [await createTestKey('key-1')];
  const providerOptions = { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`http://127.0.0.1:${appPort}/auth/callback`], users: USERS };
  let provider = await startProvider({ ...providerOptions, keys });
  const app = await startServer(
    {
      PORT: String(appPort),
      ...authEnv(provider.issuer),
      ...options.env,
    },
    capture,
    options.jwksCooldownMs === undefined ? {} : { jwksCooldownMs: options.jwksCooldownMs },
  );
  const world: AuthWorld = {
    capture,
    provider,
    app,
    keys,
    async mint(claims = {}, mintOptions = {}) {
      const key = mintOptions.key ?? (keys[0] as TestKey);
      const iat = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ preferred_username: 'alice', roles: [USER_ROLE], ...claims })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .setIssuer(typeof claims.iss === 'string' ? claims.iss : provider.issuer)
        .setAudience(claims.aud ?? CLIENT_ID)
        .setSubject(claims.sub ?? 'alice')
        .setIssuedAt(iat)
        .setExpirationTime(claims.exp ?? iat + (mintOptions.expiresInSec ?? 300))
        .sign(key.privateKey);
      capture.secret(token);
      return token;
    },
    async rotate(newKeys) {
      await provider.close();
      keys = newKeys;
      world.keys = newKeys;
      provider = await startProvider({ ...providerOptions, keys: newKeys, port: provider.port });
      world.provider = provider;
    },
    async close() {
      await app.close();
      await provider.close();
    },
  };
  return world;
}
