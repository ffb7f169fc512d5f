/**
 * Parsing of client frames from untrusted text. Every failure names the field and what was
 * received, so a client author can fix the call from the error alone.
 */
import { ErrorCode } from './codes.js';
import { CLIENT_MESSAGE_TYPES, type ClientMessage, type Position } from './messages.js';

export type ParseResult =
  { readonly ok: true; readonly message: ClientMessage } | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly ref?: string };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * How deeply a client message may nest arrays and objects. The deepest valid message (`resume`) nests
 * three levels; anything deeper is refused before `JSON.parse` runs.
 */
export const MAX_MESSAGE_DEPTH = 16;

/** The longest piece of client input an error message quotes back; longer input is cut. */
export const MAX_QUOTED_CHARS = 64;

/**
 * True when `text` nests arrays/objects more than `maxDepth` deep. A linear scan that skips string
 * contents and stops at the first level too deep, so deeply nested input costs no parse and no
 * recursion. It does not validate JSON: `JSON.parse` still does that on what passes.
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** `text` cut to MAX_QUOTED_CHARS characters (with `…` when cut), for quoting client input back. */
export function clipQuoted(text: string, max = MAX_QUOTED_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(code: ErrorCode, message: string, ref?: string): ParseResult {
  return ref === undefined ? { ok: false, code, message } : { ok: false, code, message, ref };
}

function parseTopics(type: string, value: unknown): readonly string[] | string {
  if (!Array.isArray(value)) return `"${type}" message expects the 'topics' property to be an array of strings, but got ${describe(value)}`;
  if (value.length === 0) return `"${type}" message expects at least one topic`;
  for (const [i, t] of value.entries()) {
    if (typeof t !== 'string') return `"${type}" message expects 'topics[${i}]' to be a string, but got ${describe(t)}`;
  }
  return value as string[];
}

function parsePosition(rawTopic: string, value: unknown): Position | string {
  const topic = clipQuoted(rawTopic);
  if (!isRecord(value)) return `"resume" message expects 'positions.${topic}' to be an object, but got ${describe(value)}`;
  const { offset, epoch } = value;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    return `"resume" message expects 'positions.${topic}.offset' to be a non-negative integer, but got ${typeof offset === 'number' ? String(offset) : describe(offset)}`;
  }
  if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > 64) {
    return `"resume" message expects 'positions.${topic}.epoch' to be a non-empty string, but got ${describe(epoch)}`;
  }
  return { offset, epoch };
}

/** A `subscribe` with the `filters` option: an object of named filters (their grammar is the server's to check). */
/** A `subscribe`'s options: `presence` (a boolean) and `filters` (an object, checked by the inbox). */
function parseSubscribe(topics: readonly string[], value: Readonly<Record<string, unknown>>): ParseResult {
  const { presence, filters } = value;
  if (presence !== undefined && typeof presence !== 'boolean') {
    return fail(ErrorCode.INVALID_MESSAGE, `"subscribe" message expects the 'presence' property to be a boolean, but got ${describe(presence)}`, 'subscribe');
  }
  if (filters !== undefined && !isRecord(filters)) {
    return fail(ErrorCode.INVALID_MESSAGE, `"subscribe" message expects the 'filters' property to be an object, but got ${describe(filters)}`, 'subscribe');
  }
  return {
    ok: true,
    message: { type: 'subscribe', topics, ...(presence === undefined ? {} : { presence }), ...(filters === undefined ? {} : { filters }) },
  };
}

/** Validates an already-decoded JSON value as a client message. */
export function validateClientMessage(value: unknown): ParseResult {
  if (!isRecord(value)) return fail(ErrorCode.INVALID_MESSAGE, `a message must be a JSON object, but got ${describe(value)}`);
  const { type } = value;
  if (typeof type !== 'string') {
    return fail(ErrorCode.INVALID_MESSAGE, `a message expects the 'type' property to be a string, but got ${describe(type)}`);
  }
  switch (type) {
    case 'subscribe':
    case 'unsubscribe': {
      const topics = parseTopics(type, value.topics);
      if (typeof topics === 'string') return fail(ErrorCode.INVALID_MESSAGE, topics, type);
      if (type === 'unsubscribe') return { ok: true, message: { type, topics } };
      return parseSubscribe(topics, value);
    }
    case 'ping':
      return { ok: true, message: { type } };
    case 'auth':
    case 'refresh': {
      const token = value.token;
      if (typeof token !== 'string' || token.length === 0 || token.length > 8192) {
        return fail(ErrorCode.INVALID_MESSAGE, `"${type}" message expects the 'token' property to be a non-empty string, but got ${describe(token)}`, type);
      }
      return { ok: true, message: { type, token } };
    }
    case 'resume': {
      if (!isRecord(value.positions)) {
        return fail(ErrorCode.INVALID_MESSAGE, `"resume" message expects the 'positions' property to be an object, but got ${describe(value.positions)}`, type);
      }
      const positions: Record<string, Position> = {};
      for (const [topic, raw] of Object.entries(value.positions)) {
        const position = parsePosition(topic, raw);
        if (typeof position === 'string') return fail(ErrorCode.INVALID_MESSAGE, position, type);
        positions[topic] = position;
      }
      if (Object.keys(positions).length === 0) return fail(ErrorCode.INVALID_MESSAGE, '"resume" message expects at least one topic in \'positions\'', type);
      return { ok: true, message: { type, positions } };
    }
    default:
      return fail(
        ErrorCode.UNKNOWN_TYPE,
        `unknown message type ${JSON.stringify(type.slice(0, 64))}; expected one of ${CLIENT_MESSAGE_TYPES.join(', ')}`,
        type.slice(0, 64),
      );
  }
}

/** A frame refused for its size alone, before any of it is decoded. */
export function oversizedFrame(byteLength: number, limit: number): ParseResult {
  return fail(ErrorCode.MESSAGE_TOO_LARGE, `message of ${byteLength} bytes exceeds the limit of ${limit}`);
}

/** A binary frame: the protocol is JSON text. */
export const BINARY_FRAME: ParseResult = fail(
  ErrorCode.INVALID_JSON,
  'the frame is not valid JSON: binary frames are not part of the protocol; send JSON text',
);

/** Parses a text frame from a client (refusing deep nesting before parsing). Never throws. */
export function parseClientMessage(text: string): ParseResult {
  if (nestsDeeperThan(text, MAX_MESSAGE_DEPTH))
    return fail(ErrorCode.INVALID_MESSAGE, `a message must not nest arrays or objects more than ${MAX_MESSAGE_DEPTH} levels deep`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail(ErrorCode.INVALID_JSON, 'the frame is not valid JSON');
  }
  return validateClientMessage(value);
}
