/**
 * A real OpenID Provider (`oidc-provider`) for tests, on a chosen or free port, with signing keys
 * the test controls (so it can mint tokens the provider's JWKS vouches for, and rotate keys).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, type CryptoKey } from 'jose';
import Provider from 'oidc-provider';

export interface TestKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256' | 'PS256';
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
}

export async function createTestKey(kid: string, alg: TestKey['alg'] = 'RS256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk, privateJwk };
}

export interface TestUser {
  readonly preferred_username: string;
  readonly roles?: readonly string[];
  readonly groups?: readonly string[];
}

export interface ProviderOptions {
  readonly port?: number;
  readonly keys: readonly TestKey[];
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUris: readonly string[];
  readonly users: Readonly<Record<string, TestUser>>;
}

export interface TestProvider {
  readonly issuer: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startProvider(options: ProviderOptions): Promise<TestProvider> {
  // The issuer must be known before listening; bind first, then build the provider on that port.
  const { createServer } = await import('node:http');
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [...options.redirectUris],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: options.keys.map((k) => k.privateJwk) } as never,
    findAccount: async (_ctx: unknown, sub: string) => {
      const user = options.users[sub];
      if (user === undefined) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...user }) };
    },
    claims: { openid: ['sub'], profile: ['preferred_username', 'roles', 'groups'] },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-provider-cookie-key-0123456789'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  } as never);
  server.on('request', provider.callback());
  return {
    issuer,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
