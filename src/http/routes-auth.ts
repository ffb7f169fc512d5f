/**
 * Browser sign-in and the credentials built on it: `GET /auth/login`, `GET /auth/callback`,
 * `POST /auth/logout`, `GET /auth/me`, `GET /auth/ws-token`. These routes authenticate themselves
 * (the global hook treats `/auth/` as public).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import { LOGIN_COOKIE, SESSION_COOKIE, parseCookies, serializeCookie } from '../auth/cookies.js';
import type { AuthLimits } from '../auth/limits.js';
import { LOGIN_TTL_MS, type OidcLogin } from '../auth/oidc-login.js';
import type { OriginPolicy } from '../auth/origin.js';
import { decideRoles, type RolePolicy } from '../auth/roles.js';
import type { SessionManager } from '../auth/sessions.js';
import type { WsTokens } from '../auth/ws-token.js';
import { AppError } from '../shared/errors.js';
import { authFailure, checkCsrf } from './auth-hook.js';

export interface AuthRoutesOptions {
  readonly authenticator: Authenticator;
  readonly origins: OriginPolicy;
  /** Undefined in development mode. */
  readonly enabled?: {
    readonly sessions: SessionManager;
    readonly wsTokens: WsTokens;
    readonly limits: AuthLimits;
    readonly login: { readonly oidc: OidcLogin; readonly roles: RolePolicy } | undefined;
    readonly publicUrl: string | undefined;
    /** Closes the session's sockets here and on every other instance. */
    readonly onLogout: (sessionId: string) => void;
  };
}

const UNAUTHORIZED = { headers: { 'www-authenticate': 'Bearer' } };

function baseUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}

/** Only same-site relative paths, so /auth/login cannot become an open redirect. */
function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : '/';
}

type Enabled = NonNullable<AuthRoutesOptions['enabled']>;

export function registerAuthRoutes(app: FastifyInstance, options: AuthRoutesOptions): void {
  const { authenticator } = options;

  app.get('/auth/me', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    const result = await authenticator.http(request.raw);
    if (!result.ok) throw authFailure(result);
    const p = result.principal;
    return { user: p.id, name: p.name, roles: p.roles, method: p.method, expires_at: p.expiresAt === undefined ? null : new Date(p.expiresAt).toISOString() };
  });

  const enabled = options.enabled;
  if (enabled === undefined) {
    // Development mode: the socket needs no token; 204 tells clients to connect without one.
    app.get('/auth/ws-token', async (_request, reply) => reply.header('cache-control', 'no-store').status(204).send());
    return;
  }
  registerSignIn(app, enabled);
  registerSessionRoutes(app, enabled, options.origins);
}

/** Whether cookies must be `Secure`: the public URL (or the request) is https. */
function secureFor(request: FastifyRequest, enabled: Enabled): boolean {
  return baseUrl(request, enabled.publicUrl).startsWith('https:');
}

/** `GET /auth/login` and `GET /auth/callback`: OIDC sign-in, ending in a session cookie. */
function registerSignIn(app: FastifyInstance, enabled: Enabled): void {
  const { sessions, login } = enabled;

  app.get<{ Querystring: { return_to?: string } }>('/auth/login', async (request, reply) => {
    if (login === undefined) throw new AppError('not_found', 'OIDC sign-in is not configured (OIDC_ISSUER_URL, OIDC_CLIENT_ID)');
    const redirectUri = `${baseUrl(request, enabled.publicUrl)}/auth/callback`;
    const { url, cookie } = await login.oidc.begin(redirectUri, safeReturnTo(request.query.return_to));
    void reply.header(
      'set-cookie',
      serializeCookie(LOGIN_COOKIE, cookie, { secure: secureFor(request, enabled), path: '/auth', maxAgeSec: LOGIN_TTL_MS / 1000 }),
    );
    return reply.header('cache-control', 'no-store').redirect(url, 302);
  });

  app.get('/auth/callback', async (request, reply) => {
    if (login === undefined) throw new AppError('not_found', 'OIDC sign-in is not configured');
    const cookie = parseCookies(request.headers.cookie).get(LOGIN_COOKIE);
    const clearLogin = serializeCookie(LOGIN_COOKIE, '', { secure: secureFor(request, enabled), path: '/auth', maxAgeSec: 0 });
    let outcome;
    try {
      outcome = await login.oidc.finish(new URL(request.url, 'http://callback'), cookie);
    } catch (err) {
      const reason = err instanceof Error ? err.message.slice(0, 200) : 'unknown error';
      request.log.warn({ ip: request.ip, reason }, `OIDC login failed: ${reason} from ${request.ip}`);
      void reply.header('set-cookie', clearLogin);
      throw new AppError('unauthorized', 'sign-in failed; start again at /auth/login');
    }
    const decision = decideRoles(outcome.user.idpRoles, login.roles);
    if (!decision.ok) {
      request.log.warn({ ip: request.ip, user: outcome.user.name }, `OIDC login refused for user ${outcome.user.name} from ${request.ip}: ${decision.message}`);
      void reply.header('set-cookie', clearLogin);
      throw new AppError('forbidden', decision.message);
    }
    const { cookie: sessionCookie, session } = await sessions.create({ id: outcome.user.sub, name: outcome.user.name, roles: decision.roles });
    request.log.info({ ip: request.ip, user: session.name, sessionId: session.id }, `User ${session.name} signed in from ${request.ip}`);
    void reply.header('set-cookie', [
      clearLogin,
      serializeCookie(SESSION_COOKIE, sessionCookie, { secure: secureFor(request, enabled), maxAgeSec: sessions.absoluteMs / 1000 }),
    ]);
    return reply.header('cache-control', 'no-store').redirect(outcome.returnTo, 302);
  });
}

/** `POST /auth/logout` and `GET /auth/ws-token`: what a signed-in session cookie does. */
function registerSessionRoutes(app: FastifyInstance, enabled: Enabled, origins: OriginPolicy): void {
  const { sessions, wsTokens, limits } = enabled;

  async function sessionOf(request: FastifyRequest) {
    const cookie = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
    if (cookie === undefined) return undefined;
    const found = await sessions.resolve(cookie);
    return found.ok ? found.session : undefined;
  }

  app.post('/auth/logout', async (request, reply) => {
    checkCsrf(request, origins);
    const session = await sessionOf(request);
    if (session !== undefined) {
      await sessions.revoke(session.id);
      enabled.onLogout(session.id);
      request.log.info({ ip: request.ip, user: session.name, sessionId: session.id }, `User ${session.name} signed out from ${request.ip}`);
    }
    void reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', { secure: secureFor(request, enabled), maxAgeSec: 0 }));
    return reply.status(204).send();
  });

  app.get('/auth/ws-token', async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('cache-control', 'no-store');
    const session = await sessionOf(request);
    if (session === undefined) throw new AppError('unauthorized', 'a signed-in session is required; sign in at /auth/login', [], UNAUTHORIZED);
    const allowed = await limits.wsTokens.take(session.id);
    if (!allowed.ok) {
      const seconds = Math.max(1, Math.ceil(allowed.retryAfterMs / 1000));
      request.log.warn({ ip: request.ip, user: session.name }, `ws-token rate limit reached for user ${session.name} from ${request.ip}`);
      throw new AppError('rate_limited', `too many ws-token requests; retry in ${seconds} s`, [], { headers: { 'retry-after': String(seconds) } });
    }
    const { token, expiresIn } = await wsTokens.issue(sessions.principalOf(session));
    return { token, expires_in: expiresIn };
  });
}
