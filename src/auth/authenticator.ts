/**
 * How the edge turns a request into a principal. Implementations: development auth (everyone is
 * `dev-user`) now; sessions, ws-tokens, OIDC and the API token with the auth module.
 */
import type { IncomingMessage } from 'node:http';
import type { Principal } from './principal.js';

export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' | 'expired' | 'forbidden'; readonly message: string };

export interface Authenticator {
  /** Authenticates a REST request from its headers. */
  http(request: IncomingMessage): Promise<AuthResult>;
  /** Authenticates a WebSocket upgrade (query token, subprotocol, cookie, bearer). */
  upgrade(request: IncomingMessage, url: URL): Promise<AuthResult>;
}
