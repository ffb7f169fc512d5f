/**
 * The admin API's reach across instances (its routes are http/routes-admin.ts): every instance
 * answers listings of its connections, closes the connections a disconnect names (4011 with the
 * administrator's reason), and re-checks a user's sockets when an administrator changed their
 * access (auth/access.ts: closed with 4012 when they may no longer connect, roles taken away
 * otherwise). Requests and answers travel as control messages (scatter.ts), on every bus kind.
 * Session revocation (session-revocation.ts) stays what closes sockets of a signed-out session.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AccessLookup } from '../auth/access.js';
import { applyAccess } from '../auth/access.js';
import type { Bus, ControlMessage } from '../bus/types.js';
import type { ConnectionFilter, ConnectionInfo, Hub } from '../core/index.js';
import { CloseCode } from '../protocol/index.js';
import type { Logger } from '../shared/logger.js';
import { createScatter, type InstanceAnswer } from './scatter.js';

const LIST = 'admin_list';
const DISCONNECT = 'admin_disconnect';
const ACCESS_CHANGED = 'access_changed';
/** A WebSocket close reason holds 123 bytes; the admin's reason is capped below that (routes-admin.ts). */
const MAX_CLOSE_REASON_BYTES = 123;

export interface ConnectionListing {
  readonly connections: readonly ConnectionInfo[];
  /** Connections that matched on the instances that answered (may exceed `connections.length`). */
  readonly matched: number;
  readonly truncated: boolean;
  /** The instances that answered in time, this one included when it did. */
  readonly instances: readonly string[];
}

export interface ActionResult {
  readonly closed: number;
  readonly instances: readonly string[];
}

export interface AdminControl {
  readonly instanceId: string;
  list(filter: ConnectionFilter, limit: number): Promise<ConnectionListing>;
  /** Closes the matching connections on every instance with 4011 and `reason`. */
  disconnect(filter: ConnectionFilter, reason: string): Promise<ActionResult>;
  /** Every instance forgets the user's cached access record and re-checks their open sockets. */
  accessChanged(userId: string): Promise<ActionResult>;
  close(): void;
}

export interface AdminControlDeps {
  readonly hub: Hub;
  readonly bus: Bus;
  readonly access: AccessLookup;
  readonly logger: Logger;
  readonly timeoutMs: number;
  /** Most connections an instance lists per request, whatever the request asks. */
  readonly listMax: number;
  /** This instance's name in answers (newInstanceId()); shared with presence, whose peers are awaited. */
  readonly instanceId: string;
  /** The other live instances (none for a lone process): a request is answered once they all have (scatter.ts). */
  readonly peers: () => readonly string[];
}

/** Identifies this instance on the bus (presence, admin answers): host, pid and a random tag (two servers in one process differ). */
export function newInstanceId(): string {
  return `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The filter a control message carries, strings only, or undefined when it has none or a malformed one. */
function filterOf(value: unknown): ConnectionFilter | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const out: Record<string, string> = {};
  for (const key of ['user', 'session', 'connection'] as const) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length === 0 || v.length > 256) return undefined;
    out[key] = v;
  }
  return out;
}

function closeReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason : 'disconnected by an administrator';
  let cut = text;
  while (Buffer.byteLength(cut) > MAX_CLOSE_REASON_BYTES) cut = cut.slice(0, -1);
  return cut;
}

function sum(answers: readonly InstanceAnswer[], key: string): number {
  return answers.reduce((total, a) => total + (typeof a.summary[key] === 'number' ? (a.summary[key] as number) : 0), 0);
}

export function startAdminControl(deps: AdminControlDeps): AdminControl {
  const { hub, bus, access, logger, listMax } = deps;
  const { instanceId } = deps;
  const scatter = createScatter({ bus, instanceId, timeoutMs: deps.timeoutMs, peers: deps.peers });

  async function recheck(rid: string, userId: string): Promise<void> {
    access.forget(userId);
    const record = await access.get(userId);
    const reason = record?.blocked === true ? 'access revoked by an administrator' : 'roles changed by an administrator';
    const { closed, kept } = hub.recheck(userId, (p) => applyAccess(p, record), CloseCode.ACCESS_REVOKED, reason);
    scatter.answer(rid, [], { closed, kept });
  }

  function handle(m: ControlMessage): void {
    if (typeof m.rid !== 'string') return;
    const filter = filterOf(m.filter);
    if (m.kind === LIST && filter !== undefined) {
      const limit = typeof m.limit === 'number' && Number.isSafeInteger(m.limit) ? Math.min(Math.max(m.limit, 1), listMax) : listMax;
      const { items, matched } = hub.list(filter, limit);
      scatter.answer(
        m.rid,
        items.map((c) => ({ ...c, instance: instanceId })),
        { matched },
      );
    } else if (m.kind === DISCONNECT && filter !== undefined && Object.keys(filter).length > 0) {
      scatter.answer(m.rid, [], { closed: hub.closeMatching(filter, CloseCode.ADMIN_DISCONNECT, closeReason(m.reason)) });
    } else if (m.kind === ACCESS_CHANGED && typeof m.userId === 'string') {
      const rid = m.rid;
      recheck(rid, m.userId).catch((err: unknown) => logger.error({ err, user: m.userId }, 'admin: re-checking a user after an access change failed'));
    }
  }
  const unsubscribe = bus.subscribeControl(handle);

  return {
    instanceId,
    async list(filter, limit) {
      const answers = await scatter.ask({ kind: LIST, filter, limit });
      const all = answers.flatMap((a) => a.items as ConnectionInfo[]).sort((x, y) => x.since.localeCompare(y.since) || x.id.localeCompare(y.id));
      const matched = sum(answers, 'matched');
      return { connections: all.slice(0, limit), matched, truncated: matched > limit, instances: answers.map((a) => a.instance).sort() };
    },
    async disconnect(filter, reason) {
      const answers = await scatter.ask({ kind: DISCONNECT, filter, reason });
      return { closed: sum(answers, 'closed'), instances: answers.map((a) => a.instance).sort() };
    },
    async accessChanged(userId) {
      const answers = await scatter.ask({ kind: ACCESS_CHANGED, userId });
      return { closed: sum(answers, 'closed'), instances: answers.map((a) => a.instance).sort() };
    },
    close() {
      unsubscribe();
      scatter.close();
    },
  };
}
