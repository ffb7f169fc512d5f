/**
 * The browser sign-in: OIDC authorization-code flow with PKCE, state and nonce (`openid-client`).
 * The pending login (state, verifier, nonce, where to return) travels in a short-lived signed
 * cookie, so any instance can finish a login another one started.
 */
import * as client from 'openid-client';
import { sign, unsign } from './cookies.js';
import { idpRolesOf } from './roles.js';

export interface OidcLoginOptions {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly secret: string;
  readonly now?: () => number;
}

export interface PendingLogin {
  readonly state: string;
  readonly verifier: string;
  readonly nonce: string;
  readonly returnTo: string;
  /** Epoch ms after which the login cookie is refused. */
  readonly exp: number;
}

export interface LoginResult {
  readonly sub: string;
  readonly name: string;
  readonly idpRoles: readonly string[];
}

export interface OidcLogin {
  /** The provider URL to redirect to, and the signed cookie value holding the pending login. */
  begin(redirectUri: string, returnTo: string): Promise<{ url: string; cookie: string }>;
  /** Finishes the login from the callback URL and the pending-login cookie. Throws on any mismatch. */
  finish(callbackUrl: URL, cookie: string | undefined): Promise<{ user: LoginResult; returnTo: string }>;
}

export const LOGIN_TTL_MS = 10 * 60_000;
const PURPOSE = 'login';

function isLoopbackHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && /^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/.test(u.hostname);
}

export function createOidcLogin(options: OidcLoginOptions): OidcLogin {
  const now = options.now ?? Date.now;
  let configuration: Promise<client.Configuration> | undefined;

  function config(): Promise<client.Configuration> {
    configuration ??= client
      .discovery(
        new URL(options.issuerUrl),
        options.clientId,
        undefined,
        options.clientSecret === undefined ? client.None() : client.ClientSecretPost(options.clientSecret),
        isLoopbackHttp(options.issuerUrl) ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        configuration = undefined;
        throw err;
      });
    return configuration;
  }

  return {
    async begin(redirectUri, returnTo) {
      const cfg = await config();
      const pending: PendingLogin & { redirectUri: string } = {
        state: client.randomState(),
        verifier: client.randomPKCECodeVerifier(),
        nonce: client.randomNonce(),
        returnTo,
        exp: now() + LOGIN_TTL_MS,
        redirectUri,
      };
      const url = client.buildAuthorizationUrl(cfg, {
        redirect_uri: redirectUri,
        scope: 'openid profile email',
        code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, cookie: sign(options.secret, PURPOSE, Buffer.from(JSON.stringify(pending)).toString('base64url')) };
    },
    async finish(callbackUrl, cookie) {
      const raw = cookie === undefined ? undefined : unsign(options.secret, PURPOSE, cookie);
      if (raw === undefined) throw new Error('no pending login (cookie missing or tampered)');
      const pending = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as PendingLogin & { redirectUri: string };
      if (pending.exp < now()) throw new Error('the login took too long; start again');
      const cfg = await config();
      // The token endpoint must see the exact redirect_uri used at /auth/login.
      const current = new URL(pending.redirectUri);
      current.search = callbackUrl.search;
      const tokens = await client.authorizationCodeGrant(cfg, current, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (claims === undefined) throw new Error('the provider returned no ID token');
      const name = [claims.preferred_username, claims.email, claims.name].find((v): v is string => typeof v === 'string') ?? claims.sub;
      return { user: { sub: claims.sub, name, idpRoles: idpRolesOf(claims) }, returnTo: pending.returnTo };
    },
  };
}
