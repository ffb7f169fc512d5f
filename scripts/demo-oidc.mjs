// `npm run demo:oidc`: the demo with real authentication, against a local development OpenID Provider
// (oidc-provider, a devDependency) on 127.0.0.1:9090. Sign in at http://127.0.0.1:8000 with any
// password as `alice` (aether-user) or `bob` (aether-admin); `mallory` has no role and is refused.
// Never use this provider for anything but local trials.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const appPort = Number(process.env.PORT ?? 8000);
const idpPort = Number(process.env.OIDC_DEMO_PORT ?? 9090);
const issuer = `http://127.0.0.1:${idpPort}`;
const clientSecret = randomBytes(24).toString('base64url');
const users = {
  alice: { preferred_username: 'alice', roles: ['aether-user'] },
  bob: { preferred_username: 'bob', groups: ['aether-user', 'aether-admin'] },
  mallory: { preferred_username: 'mallory', roles: ['visitor'] },
};

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'aether-console',
      client_secret: clientSecret,
      redirect_uris: [`http://127.0.0.1:${appPort}/auth/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'demo-1', alg: 'RS256', use: 'sig' }] },
  findAccount: async (_ctx, sub) => (users[sub] ? { accountId: sub, claims: async () => ({ sub, ...users[sub] }) } : undefined),
  claims: { openid: ['sub'], profile: ['preferred_username', 'roles', 'groups'] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: [randomBytes(24).toString('base64url')] },
  ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
});
const idp = createServer(provider.callback());
await new Promise((resolve) => idp.listen(idpPort, '127.0.0.1', resolve));

const apiToken = randomBytes(24).toString('base64url');
const env = {
  DUMMY_DATA: 'true',
  HOST: '127.0.0.1',
  PORT: String(appPort),
  ...process.env,
  AUTH_ENABLED: 'true',
  SESSION_SECRET_KEY: randomBytes(48).toString('base64url'),
  OIDC_ISSUER_URL: issuer,
  OIDC_CLIENT_ID: 'aether-console',
  OIDC_CLIENT_SECRET: clientSecret,
  OIDC_ROLE_NAME: 'aether-user',
  OIDC_ADMIN_ROLE: 'aether-admin',
  API_TOKEN: apiToken,
};
process.stdout.write(
  `demo OpenID Provider at ${issuer}; sign in at http://127.0.0.1:${appPort} as alice or bob (any password)\n` +
    `API token for this run (automation): ${apiToken}\n`,
);
const child = spawn(process.execPath, ['dist/main.js'], { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  idp.close();
  process.exit(code ?? (signal ? 1 : 0));
});
