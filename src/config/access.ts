/** Who may get in: authentication (dev mode, OIDC, API token, sessions), allowed origins, /metrics access. */
import { LOOPBACK, fail, readBool, readInt, readOptional, readUrl, type Env } from './read.js';
import { secretWeakness } from './secrets.js';

export interface OidcConfig {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  /** Role required to sign in or use a token; `*` disables the check. */
  readonly roleName: string;
  /** Role that may create notifications and other automation writes; undefined = nobody via OIDC. */
  readonly adminRole: string | undefined;
  /** Allowed clock skew for `exp`/`nbf`, seconds. */
  readonly clockToleranceSec: number;
}

export type AuthConfig =
  | { readonly mode: 'dev'; readonly devUser: string }
  | {
      readonly mode: 'enabled';
      /** Signs session cookies and ws-tokens; at least 32 bytes. */
      readonly sessionSecret: string;
      readonly oidc: OidcConfig | undefined;
      readonly apiToken: string | undefined;
      /** A session ends after this much inactivity (sliding). */
      readonly sessionIdleMs: number;
      /** A session ends this long after sign-in, whatever the activity. */
      readonly sessionAbsoluteMs: number;
      /** Lifetime of a `/auth/ws-token` token, seconds (the seed's 300). */
      readonly wsTokenTtlSec: number;
    };

export interface MetricsConfig {
  /** `Authorization: Bearer <token>` opens /metrics; undefined = no token does. */
  readonly token: string | undefined;
  /** /metrics answers anyone: development mode without METRICS_TOKEN only. */
  readonly open: boolean;
}

function readOidc(env: Env): OidcConfig | undefined {
  const issuerUrl = readUrl(env, 'OIDC_ISSUER_URL');
  const clientId = readOptional(env, 'OIDC_CLIENT_ID');
  if (issuerUrl === undefined && clientId === undefined) return undefined;
  if (issuerUrl === undefined) return fail('OIDC_ISSUER_URL', 'OIDC_CLIENT_ID is set but OIDC_ISSUER_URL is missing');
  if (clientId === undefined) return fail('OIDC_CLIENT_ID', 'OIDC_ISSUER_URL is set but OIDC_CLIENT_ID is missing');
  const roleName = readOptional(env, 'OIDC_ROLE_NAME');
  if (roleName === undefined) return fail('OIDC_ROLE_NAME', 'required with OIDC: the role users need to sign in, or * to let every authenticated user in');
  return {
    issuerUrl,
    clientId,
    clientSecret: readOptional(env, 'OIDC_CLIENT_SECRET'),
    roleName,
    adminRole: readOptional(env, 'OIDC_ADMIN_ROLE'),
    clockToleranceSec: readInt(env, 'OIDC_CLOCK_TOLERANCE_SEC', 30, 0, 300),
  };
}

export function readAuth(env: Env, host: string): AuthConfig {
  const enabled = readBool(env, 'AUTH_ENABLED', true);
  const allowDev = readBool(env, 'ALLOW_DEV_AUTH', false);
  if (enabled) {
    const sessionSecret = readOptional(env, 'SESSION_SECRET_KEY');
    const oidc = readOidc(env);
    const apiToken = readOptional(env, 'API_TOKEN');
    const missing: string[] = [];
    if (sessionSecret === undefined) missing.push('SESSION_SECRET_KEY (at least 32 bytes)');
    if (oidc === undefined && apiToken === undefined) missing.push('OIDC_ISSUER_URL + OIDC_CLIENT_ID + OIDC_ROLE_NAME, or API_TOKEN');
    if (missing.length > 0) {
      return fail(
        'AUTH_ENABLED',
        `authentication is on (the default) but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing; ` +
          'for local development set AUTH_ENABLED=false and ALLOW_DEV_AUTH=true',
      );
    }
    if (Buffer.byteLength(sessionSecret as string, 'utf8') < 32) return fail('SESSION_SECRET_KEY', 'must be at least 32 bytes');
    const weak = secretWeakness(sessionSecret as string);
    if (weak !== undefined) return fail('SESSION_SECRET_KEY', `${weak}; generate one with \`openssl rand -base64 48\``);
    if (apiToken !== undefined && Buffer.byteLength(apiToken, 'utf8') < 16) return fail('API_TOKEN', 'must be at least 16 bytes');
    const sessionIdleMs = readInt(env, 'SESSION_IDLE_TIMEOUT_SEC', 8 * 3600, 60) * 1000;
    const sessionAbsoluteMs = readInt(env, 'SESSION_MAX_AGE_SEC', 24 * 3600, 60) * 1000;
    if (sessionIdleMs > sessionAbsoluteMs) fail('SESSION_IDLE_TIMEOUT_SEC', 'must not exceed SESSION_MAX_AGE_SEC');
    return {
      mode: 'enabled',
      sessionSecret: sessionSecret as string,
      oidc,
      apiToken,
      sessionIdleMs,
      sessionAbsoluteMs,
      wsTokenTtlSec: readInt(env, 'WS_TOKEN_TTL_SEC', 300, 10, 3600),
    };
  }
  if (!allowDev) {
    return fail('ALLOW_DEV_AUTH', 'AUTH_ENABLED=false lets anyone in as dev-user; refusing to start unless ALLOW_DEV_AUTH=true says that is intended');
  }
  if (!LOOPBACK.test(host) && !readBool(env, 'ALLOW_DEV_AUTH_REMOTE', false)) {
    return fail('HOST', `development auth is bound to loopback, but HOST=${host}; set ALLOW_DEV_AUTH_REMOTE=true to expose an unauthenticated server`);
  }
  return { mode: 'dev', devUser: 'dev-user' };
}

export function readOrigins(env: Env): readonly string[] {
  const raw = readOptional(env, 'ALLOWED_ORIGINS');
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0)
    .map((o) => {
      if (o === '*') return fail('ALLOWED_ORIGINS', '* is not allowed: list the origins (scheme://host[:port]) that may use the session cookie');
      try {
        const url = new URL(o);
        if (url.origin !== o.replace(/\/+$/, '')) throw new Error('not an origin');
        return url.origin;
      } catch {
        return fail('ALLOWED_ORIGINS', `expected comma-separated origins like https://console.example.com, got ${JSON.stringify(o)}`);
      }
    });
}

export function readMetrics(env: Env, auth: AuthConfig): MetricsConfig {
  const token = readOptional(env, 'METRICS_TOKEN');
  if (token !== undefined) {
    if (Buffer.byteLength(token, 'utf8') < 16) fail('METRICS_TOKEN', 'must be at least 16 bytes');
    const weak = secretWeakness(token);
    if (weak !== undefined) fail('METRICS_TOKEN', `${weak}; generate one with \`openssl rand -hex 24\``);
  }
  return { token, open: token === undefined && auth.mode === 'dev' };
}
