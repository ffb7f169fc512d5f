/**
 * What tabs say to each other on the BroadcastChannel: JSON strings, checked from `unknown` on
 * receipt and dropped when longer than the relay bound. The leader speaks `relay`, `status`,
 * `leader` and `full`; followers `join`, `sub`, `unsub`, `leave` and `reconnect`.
 */
import type { NotificationFilter, Positions } from '../../protocol/index.js';
import type { ConnectionStatus, GenericMessage, StatusData } from '../types.js';

export type TransportName = 'websocket' | 'sse';

/** The share limits with their defaults (types.ts ShareLimits), and the fixed re-join wait. */
export interface ResolvedShareLimits {
  readonly maxMessageChars: number;
  readonly maxTopicsPerTab: number;
  readonly maxFollowers: number;
  /** How long topics inherited from the last leader stay carried without a tab re-joining for them. */
  readonly inheritMs: number;
}

export type TabMessage =
  /** A server message as the leader's connection applied it, and the positions after it. */
  | { readonly k: 'relay'; readonly m: GenericMessage; readonly p: Positions }
  /** The connection's status, and the union of topics it carries (for the next leader). */
  | {
      readonly k: 'status';
      readonly s: ConnectionStatus;
      readonly d: StatusData;
      readonly transport: TransportName;
      readonly clientId: string | null;
      readonly topics: readonly string[];
      readonly p: Positions;
    }
  /** A tab took the lock: every follower (re)joins. */
  | { readonly k: 'leader' }
  /** The leader serves no more followers: this tab connects itself. */
  | { readonly k: 'full'; readonly to: string }
  /** `fresh`: the tab holds no state yet and needs snapshots of topics the connection already has. */
  | { readonly k: 'join'; readonly tab: string; readonly topics: readonly string[]; readonly fresh: boolean; readonly presence?: readonly string[] }
  /** `presence`: the tab asked for these topics with `{presence: true}`. */
  | { readonly k: 'sub' | 'unsub'; readonly tab: string; readonly topics: readonly string[]; readonly presence?: boolean }
  | { readonly k: 'leave'; readonly tab: string }
  /** `setFilters` in a follower: the connection's named filters (the server checks them). */
  | { readonly k: 'filters'; readonly f: Readonly<Record<string, NotificationFilter>> }
  | { readonly k: 'reconnect' };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((t) => typeof t === 'string');
}

function isPositions(value: unknown): value is Positions {
  return isRecord(value) && Object.values(value).every((p) => isRecord(p) && typeof p.offset === 'number' && typeof p.epoch === 'string');
}

function isTabMessage(v: Record<string, unknown>): boolean {
  switch (v.k) {
    case 'relay':
      return isRecord(v.m) && typeof v.m.type === 'string' && isPositions(v.p);
    case 'status':
      return typeof v.s === 'string' && isRecord(v.d) && (v.transport === 'websocket' || v.transport === 'sse') && isStrings(v.topics) && isPositions(v.p);
    case 'leader':
    case 'reconnect':
      return true;
    case 'full':
      return typeof v.to === 'string';
    case 'join':
      return typeof v.tab === 'string' && isStrings(v.topics) && typeof v.fresh === 'boolean' && (v.presence === undefined || isStrings(v.presence));
    case 'sub':
    case 'unsub':
      return typeof v.tab === 'string' && isStrings(v.topics) && (v.presence === undefined || typeof v.presence === 'boolean');
    case 'leave':
      return typeof v.tab === 'string';
    case 'filters':
      return isRecord(v.f) && Object.values(v.f).every(isRecord);
    default:
      return false;
  }
}

/** The message in `data`, or null when it is not a string within `maxChars` holding a well-formed one. */
export function decodeTabMessage(data: unknown, maxChars: number): TabMessage | null {
  if (typeof data !== 'string' || data.length > maxChars) return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  return isRecord(value) && isTabMessage(value) ? (value as unknown as TabMessage) : null;
}

/** The message as sent, or null when it is over `maxChars` (it is then not sent at all). */
export function encodeTabMessage(message: TabMessage, maxChars: number): string | null {
  const text = JSON.stringify(message);
  return text.length > maxChars ? null : text;
}
