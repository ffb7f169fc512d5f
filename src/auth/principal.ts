/** Who is on the other end of a request or socket. */
export interface Principal {
  /** Stable user id (`sub`); read state and addressed notifications key on it. */
  readonly id: string;
  readonly name: string;
  readonly roles: readonly string[];
  /** How it authenticated: `dev`, `session`, `ws-token`, `oidc`, `api-token`. */
  readonly method: string;
  /** The browser session behind it, when there is one (logout closes its sockets). */
  readonly sessionId?: string;
  /** When the credential expires (epoch ms), when it does. */
  readonly expiresAt?: number;
}

export const DEV_PRINCIPAL: Principal = Object.freeze({ id: 'dev-user', name: 'dev-user', roles: ['admin'], method: 'dev' });
