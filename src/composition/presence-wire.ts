/**
 * The control messages presence sends between instances (over the bus's control channel, which
 * every bus kind carries: memory, IPC, Redis, PostgreSQL NOTIFY), and their validation from
 * `unknown`. Every message names its `origin` (the sending instance) and, but for `sync` and
 * `bye`, the origin's sequence number `seq`.
 */
import type { ControlMessage } from '../bus/types.js';
import type { PresenceEntry } from './presence-state.js';

/** One user's count on one topic at the origin changed (0: gone from there). */
export const PRESENCE_DELTA = 'presence_delta';
/** Part `part` of `parts` of the origin's whole membership as of `seq`; also its sign of life. */
export const PRESENCE_HEARTBEAT = 'presence_heartbeat';
/** A new (or reconnected) instance asks every other for a heartbeat now. */
export const PRESENCE_SYNC = 'presence_sync';
/** The origin is shutting down: its members leave after the grace period unless they reappear. */
export const PRESENCE_BYE = 'presence_bye';

export type PresenceWire =
  | { readonly kind: typeof PRESENCE_DELTA; readonly origin: string; readonly seq: number; readonly entry: PresenceEntry }
  | {
      readonly kind: typeof PRESENCE_HEARTBEAT;
      readonly origin: string;
      readonly seq: number;
      readonly part: number;
      readonly parts: number;
      readonly entries: readonly PresenceEntry[];
    }
  | { readonly kind: typeof PRESENCE_SYNC | typeof PRESENCE_BYE; readonly origin: string };

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function isEntry(value: unknown): value is PresenceEntry {
  return (
    Array.isArray(value) &&
    value.length === 4 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'string' &&
    typeof value[2] === 'string' &&
    isCount(value[3])
  );
}

/** The presence message in a control message, or undefined for anything else (or a malformed one). */
export function readPresenceWire(message: ControlMessage): PresenceWire | undefined {
  const { kind, origin, seq } = message;
  if (typeof origin !== 'string' || origin === '') return undefined;
  switch (kind) {
    case PRESENCE_SYNC:
    case PRESENCE_BYE:
      return { kind, origin };
    case PRESENCE_DELTA:
      return isCount(seq) && isEntry(message.entry) ? { kind, origin, seq, entry: message.entry } : undefined;
    case PRESENCE_HEARTBEAT: {
      const { part, parts, entries } = message;
      if (!isCount(seq) || !isCount(part) || !isCount(parts) || part >= parts || !Array.isArray(entries) || !entries.every(isEntry)) return undefined;
      return { kind, origin, seq, part, parts, entries };
    }
    default:
      return undefined;
  }
}

/**
 * The heartbeat of `entries` in parts whose JSON stays within `maxBytes` (at least one part, so an
 * empty membership is still a sign of life). An entry too large for any part is left out and counted.
 */
export function heartbeatParts(origin: string, seq: number, entries: readonly PresenceEntry[], maxBytes: number): { parts: PresenceWire[]; dropped: number } {
  const overhead = Buffer.byteLength(JSON.stringify({ kind: PRESENCE_HEARTBEAT, origin, seq, part: 999_999, parts: 999_999, entries: [] }));
  const chunks: PresenceEntry[][] = [[]];
  let size = overhead;
  let dropped = 0;
  for (const entry of entries) {
    const bytes = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (overhead + bytes > maxBytes) {
      dropped += 1;
      continue;
    }
    if (size + bytes > maxBytes) {
      chunks.push([]);
      size = overhead;
    }
    (chunks[chunks.length - 1] as PresenceEntry[]).push(entry);
    size += bytes;
  }
  const parts = chunks.map((chunk, part): PresenceWire => ({ kind: PRESENCE_HEARTBEAT, origin, seq, part, parts: chunks.length, entries: chunk }));
  return { parts, dropped };
}
