/**
 * Server-side browser sessions. The cookie holds a random secret, signed with SESSION_SECRET_KEY;
 * the database holds only its SHA-256 (the session id), so neither logs nor the bus nor a copy of
 * the database ever carry a usable cookie. Sessions slide (idle timeout) up to an absolute end.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SessionRecord, Store } from '../store/types.js';
import { sign, unsign } from './cookies.js';
import type { Principal } from './principal.js';

export interface SessionManagerOptions {
  readonly store: Store;
  readonly secret: string;
  readonly idleMs: number;
  readonly absoluteMs: number;
  readonly now?: () => number;
}

export type SessionLookup = { readonly ok: true; readonly session: SessionRecord } | { readonly ok: false; readonly reason: 'invalid' | 'expired' };

export interface SessionManager {
  /** Creates a session; returns the cookie value to set and the stored record. */
  create(user: { readonly id: string; readonly name: string; readonly roles: readonly string[] }): Promise<{ cookie: string; session: SessionRecord }>;
  /** Resolves a cookie value; slides the idle timeout. */
  resolve(cookie: string): Promise<SessionLookup>;
  /** Looks a session up by id (a ws-token's `sid`), with the same expiry rules, without sliding it. */
  byId(sessionId: string): Promise<SessionLookup>;
  revoke(sessionId: string): Promise<boolean>;
  /** Deletes ended sessions and returns their ids, so their sockets can be closed. */
  sweep(): Promise<readonly string[]>;
  /** The principal of a session. `expiresAt` is the absolute end. */
  principalOf(session: SessionRecord): Principal;
  readonly idleMs: number;
  readonly absoluteMs: number;
}

const PURPOSE = 'session';
/** Write `last_seen_at` at most this often per session. */
const TOUCH_GRANULARITY_MS = 30_000;

export function sessionIdOf(secretPart: string): string {
  return createHash('sha256').update(secretPart).digest('base64url').slice(0, 32);
}

export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const { store, secret, idleMs, absoluteMs } = options;
  const now = options.now ?? Date.now;
  return {
    idleMs,
    absoluteMs,
    async create(user) {
      const secretPart = randomBytes(32).toString('base64url');
      const at = now();
      const session: SessionRecord = {
        id: sessionIdOf(secretPart),
        userId: user.id,
        name: user.name,
        roles: [...user.roles],
        createdAt: at,
        lastSeenAt: at,
        expiresAt: at + absoluteMs,
      };
      await store.write((tx) => tx.sessions.insert(session));
      return { cookie: sign(secret, PURPOSE, secretPart), session };
    },
    async resolve(cookie) {
      const secretPart = unsign(secret, PURPOSE, cookie);
      if (secretPart === undefined) return { ok: false, reason: 'invalid' };
      const id = sessionIdOf(secretPart);
      const session = await store.read((tx) => tx.sessions.get(id));
      if (session === undefined) return { ok: false, reason: 'invalid' };
      const at = now();
      if (at >= session.expiresAt || at - session.lastSeenAt >= idleMs) {
        await store.write((tx) => tx.sessions.delete(id));
        return { ok: false, reason: 'expired' };
      }
      if (at - session.lastSeenAt >= TOUCH_GRANULARITY_MS) await store.write((tx) => tx.sessions.touch(id, at));
      return { ok: true, session: { ...session, lastSeenAt: at } };
    },
    async byId(id) {
      const session = await store.read((tx) => tx.sessions.get(id));
      if (session === undefined) return { ok: false, reason: 'invalid' };
      const at = now();
      if (at >= session.expiresAt || at - session.lastSeenAt >= idleMs) return { ok: false, reason: 'expired' };
      return { ok: true, session };
    },
    revoke: (sessionId) => store.write((tx) => tx.sessions.delete(sessionId)),
    sweep() {
      const at = now();
      return store.write((tx) => tx.sessions.deleteExpired(at, at - idleMs));
    },
    principalOf(session) {
      return { id: session.userId, name: session.name, roles: session.roles, method: 'session', sessionId: session.id, expiresAt: session.expiresAt };
    },
  };
}
