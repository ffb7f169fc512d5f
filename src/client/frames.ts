/**
 * Decoding of server frames from untrusted text. A frame is a message object with a string `type`,
 * or a `batch` of them. Messages whose known fields have the wrong shape are dropped, so handlers
 * can rely on the types in ClientEventMap.
 */
import type { GenericMessage } from './types.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPosition(value: unknown): boolean {
  return isRecord(value) && typeof value.offset === 'number' && typeof value.epoch === 'string';
}

/** Checks the fields the client itself relies on, per message type. */
function isWellFormed(m: Record<string, unknown>): boolean {
  if (m.offset !== undefined && (typeof m.offset !== 'number' || typeof m.topic !== 'string')) return false;
  switch (m.type) {
    case 'connection':
      return typeof m.client_id === 'string';
    case 'initial_state':
      return isRecord(m.data) && (m.positions === undefined || (isRecord(m.positions) && Object.values(m.positions).every(isPosition)));
    case 'notification':
      return typeof m.action === 'string' && isRecord(m.data);
    case 'resumed':
      return typeof m.topic === 'string' && typeof m.recovered === 'boolean' && isPosition(m.position);
    default:
      return true;
  }
}

function toMessage(value: unknown): GenericMessage | null {
  if (!isRecord(value) || typeof value.type !== 'string' || value.type === 'batch') return null;
  return isWellFormed(value) ? (value as GenericMessage) : null;
}

/**
 * The messages in one text frame, in order: one for a plain message, each inner one for a
 * `{"type":"batch","messages":[...]}`, none for anything unreadable.
 */
export function decodeFrame(text: string): GenericMessage[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  if (isRecord(value) && value.type === 'batch') {
    if (!Array.isArray(value.messages)) return [];
    return value.messages.map(toMessage).filter((m): m is GenericMessage => m !== null);
  }
  const message = toMessage(value);
  return message === null ? [] : [message];
}

/**
 * How long an `error` `budget_exceeded` asks the client to wait before asking again (its
 * `retry_after_ms`, or `fallbackMs` when that is missing or unusable); undefined for any other message.
 */
export function budgetWaitMs(m: GenericMessage, fallbackMs: number): number | undefined {
  if (m.code !== 'budget_exceeded') return undefined;
  const asked = m.retry_after_ms;
  // 2^31 − 1 ms (about 24.8 days) is the longest a timer can wait.
  return typeof asked === 'number' && asked >= 0 ? Math.min(asked, 2 ** 31 - 1) : fallbackMs;
}
