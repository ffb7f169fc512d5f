/**
 * Pieces the auth-related attacks share: an identity provider that accepts connections and never
 * answers, an OIDC-shaped token only such a provider could vouch for, the honest client and
 * publisher on the API token, and a raw socket that records how the server closed it.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { API_TOKEN, CLIENT_ID, USER_ROLE } from '../helpers/auth-world.js';
import type { TestKey } from '../helpers/oidc-provider.js';
import { connectClient } from '../helpers/ws-client.js';
import { devPublish, type ChildServer, type Honest } from './harness.js';

/** The honest side when auth is on: the API token, which needs no identity provider. */
export const apiTokenHonest: Honest = {
  connect: (s) => connectClient(`${s.wsUrl}?topics=notifications&token=${API_TOKEN}`),
  publish: (s, title) => devPublish(s, title, { authorization: `Bearer ${API_TOKEN}` }),
};

/** A TCP server that accepts every connection and never sends a byte: an unreachable issuer/JWKS. */
export async function startSilentIssuer(): Promise<{ readonly url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A JWT-shaped RS256 token naming `issuer`: the server must ask the provider before refusing it. */
export function oidcShapedToken(issuer: string): string {
  const b64 = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64({ iss: issuer, sub: 'eve', aud: 'aether-console', iat: now, exp: now + 300 })}.${Buffer.alloc(256, 7).toString('base64url')}`;
}

export interface RawSocket {
  readonly ws: WebSocket;
  readonly openedAt: number;
  /** The close code and reason, and when it came (ms after opening). */
  readonly closed: Promise<{ code: number; reason: string; afterMs: number }>;
}

/** Opens a socket that records its close; resolves once it is open. */
export async function openRaw(url: string): Promise<RawSocket> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  ws.on('error', () => undefined);
  const openedAt = performance.now();
  const closed = new Promise<{ code: number; reason: string; afterMs: number }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), afterMs: Math.round(performance.now() - openedAt) }));
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before opening')));
  });
  return { ws, openedAt, closed };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export type { ChildServer };

/** A token for alice signed by `key` as `issuer`'s, valid for `ttlSec` (what the provider would issue). */
export async function aliceOidcToken(issuer: string, key: TestKey, ttlSec = 600): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ preferred_username: 'alice', roles: [USER_ROLE] })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(issuer)
    .setAudience(CLIENT_ID)
    .setSubject('alice')
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSec)
    .sign(key.privateKey);
}
