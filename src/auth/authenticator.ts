/**
 * How the edge turns a request into a principal. Implementations: development auth (everyone is
 * `dev-user`, auth/dev.ts) and the real one (sessions, ws-tokens, OIDC, API token: auth/enabled.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Principal } from './principal.js';

/**
 * The outcome of a check. `unavailable`: the credential could not be checked now (the identity
 * provider is unreachable or too slow); the same credential may succeed later, so REST answers 503
 * and /ws closes with 4002 rather than a final 401/1008.
 */
export type AuthResult =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' | 'expired' | 'forbidden' | 'unavailable'; readonly message: string };

/**
 * What an in-band credential check may know of the upgrade that opened the socket. A socket keeps
 * this for its whole life (a `refresh` may come at any time), so it is the one header the checks
 * read and not the upgrade request, which would pin the request's headers and buffers.
 */
export interface SocketFacts {
  /** The upgrade's `Origin` header: present for browser pages. */
  readonly origin: string | undefined;
}

export interface Authenticator {
  /** Authenticates a REST request from its headers. */
  http(request: IncomingMessage): Promise<AuthResult>;
  /** Authenticates a WebSocket upgrade (query token, subprotocol, cookie, bearer). `missing` lets the socket authenticate in-band. */
  upgrade(request: IncomingMessage, url: URL): Promise<AuthResult>;
  /** Authenticates a bare credential sent in-band (`auth` / `refresh` messages) on a socket. */
  credential(token: string, socket: SocketFacts): Promise<AuthResult>;
}
