/**
 * The SSE event id of a stream: where the stream stands in every log topic it has, and which
 * subscriptions it holds, so that a browser's automatic reconnect (`Last-Event-ID`) resumes exactly.
 *
 * Format (docs/PROTOCOL.md, "Server-Sent Events"):
 *
 *     1|<epoch>|<family>=<offset>,<family>=<offset>[|<topic>,<topic>]
 *
 * `1` is the format's version; a position whose epoch is not the stream's is written
 * `<family>=<offset>@<epoch>`. The last field is present only when the subscriptions differ from
 * those the stream's URL asked for (changed through POST /sse/{client_id}/subscriptions); empty, it
 * means none. The cursor reads the frames the hub sends (never parsing an event frame whole: an
 * event's `"topic"` and `"offset"` are its last two fields, core/frames.ts) and moves the id only
 * for frames that change it: events, `batch`, `initial_state`, `subscription`, a `resumed` with
 * nothing to replay. Positions of families no subscription draws from any more are dropped.
 */
import { ALL_TOPIC, TOPIC_FAMILIES, checkTopic, topicFamily, validateClientMessage, type Position, type Positions } from '../protocol/index.js';

/** The longest `Last-Event-ID` read; a longer one is refused unread. */
export const MAX_EVENT_ID_CHARS = 4096;
/** Past this length the id leaves the subscription list out (a reconnect then uses the URL's topics). */
const MAX_TOPICS_CHARS = 2048;
const VERSION = '1';
const EPOCH = /^[A-Za-z0-9_-]{1,64}$/;
const POSITION = /^([a-z][a-z0-9_-]{0,31})=(\d{1,15})(?:@([A-Za-z0-9_-]{1,64}))?$/;
const HEAD = /^\{"type":"([a-z_]{1,32})"/;
const EVENT_TAIL = /"topic":"([a-z][a-z0-9_-]{0,31})","offset":(\d{1,15})\}(?:\]\})?$/;
/** Enough of a frame's end to hold `"topic":"<family>","offset":<n>}]}`. */
const TAIL_BYTES = 96;

/** Where a reconnecting stream starts: the positions to resume and, when the id says so, its subscriptions. */
export interface StreamStart {
  readonly positions?: Positions;
  readonly topics?: readonly string[];
}

export type ParsedEventId = { readonly ok: true; readonly start: StreamStart } | { readonly ok: false; readonly message: string };

/** Whether any of `topics` draws from log topic `family`. */
function covers(topics: ReadonlySet<string>, family: string): boolean {
  if (topics.has(ALL_TOPIC) || topics.has(family)) return true;
  for (const t of topics) if (topicFamily(t) === family) return true;
  return false;
}

function sameSet(a: ReadonlySet<string>, b: readonly string[]): boolean {
  return a.size === new Set(b).size && b.every((t) => a.has(t));
}

function textOf(frame: string | Buffer, start: number, end: number): string {
  return typeof frame === 'string' ? frame.slice(start, end) : frame.toString('utf8', start, end);
}

export class StreamCursor {
  private epoch: string | undefined = undefined;
  private readonly positions = new Map<string, Position>();
  private readonly topics: Set<string>;
  private current = '';

  /**
   * @param topics the subscriptions the stream starts with (all or none: the hub refuses every
   *   one of them when one is bad)
   * @param urlTopics what the stream's URL asked for: the id names the subscriptions only when they differ
   */
  constructor(
    topics: readonly string[],
    private readonly urlTopics: readonly string[],
    resumed: Positions = {},
  ) {
    this.topics = new Set(topics.every((t) => checkTopic(t).ok) ? topics : []);
    for (const [family, position] of Object.entries(resumed)) {
      this.positions.set(family, position);
      this.epoch ??= position.epoch;
    }
    this.current = this.encode();
  }

  /** The id as it stands. */
  get id(): string {
    return this.current;
  }

  /** Reads one outgoing frame; true when it moved the id (the frame then carries `id:`). */
  observe(frame: string | Buffer): boolean {
    const type = HEAD.exec(textOf(frame, 0, 40))?.[1];
    if (type === undefined || type === 'connection' || type === 'pong' || type === 'error') return false;
    if (type === 'initial_state' || type === 'resumed' || type === 'subscription')
      this.control(type, typeof frame === 'string' ? frame : frame.toString('utf8'));
    else if (!this.event(frame)) return false;
    const next = this.encode();
    if (next === this.current) return false;
    this.current = next;
    return true;
  }

  private event(frame: string | Buffer): boolean {
    const match = EVENT_TAIL.exec(textOf(frame, Math.max(0, frame.length - TAIL_BYTES), frame.length));
    if (match === null) return false; // an ephemeral message: no offset
    const family = match[1] as string;
    const epoch = this.positions.get(family)?.epoch ?? this.epoch;
    if (epoch === undefined) return false;
    this.positions.set(family, { offset: Number(match[2]), epoch });
    return true;
  }

  private control(type: string, text: string): void {
    if (type === 'initial_state') {
      // `positions` is the frame's last field (core/sync.ts); the snapshot before it is not parsed.
      const at = text.lastIndexOf('"positions":');
      const positions = JSON.parse(text.slice(at + 12, -1)) as Record<string, Position>;
      for (const [family, position] of Object.entries(positions)) this.setPosition(family, position);
      return;
    }
    const message = JSON.parse(text) as { status?: string; topics?: string[]; topic?: string; recovered?: boolean; replayed?: number; position?: Position };
    if (type === 'subscription') {
      for (const t of message.topics ?? []) {
        if (message.status === 'subscribed') this.topics.add(t);
        else this.topics.delete(t);
      }
      return;
    }
    // `resumed`: a resume subscribes the family when nothing drew from it; replayed events carry their own offsets.
    const family = message.topic ?? '';
    if (!covers(this.topics, family)) this.topics.add(family);
    if (message.recovered === true && message.replayed === 0 && message.position !== undefined) this.setPosition(family, message.position);
  }

  private setPosition(family: string, position: Position): void {
    this.epoch ??= position.epoch;
    this.positions.set(family, { offset: position.offset, epoch: position.epoch });
  }

  private encode(): string {
    const parts: string[] = [];
    for (const family of TOPIC_FAMILIES) {
      const position = this.positions.get(family);
      if (position === undefined || !covers(this.topics, family)) continue;
      parts.push(`${family}=${position.offset}${position.epoch === this.epoch ? '' : `@${position.epoch}`}`);
    }
    const head = `${VERSION}|${this.epoch ?? '-'}|${parts.join(',')}`;
    if (sameSet(this.topics, this.urlTopics)) return head;
    const topics = [...this.topics].join(',');
    return topics.length > MAX_TOPICS_CHARS ? head : `${head}|${topics}`;
  }
}

/**
 * Reads a `Last-Event-ID` (or `?last_event_id=`) from unknown input, bounded to
 * MAX_EVENT_ID_CHARS; the positions pass the same validation as a `resume` message.
 */
export function parseEventId(value: unknown): ParsedEventId {
  if (typeof value !== 'string') return { ok: false, message: 'Last-Event-ID must be a string' };
  if (value.length > MAX_EVENT_ID_CHARS) return { ok: false, message: `Last-Event-ID is longer than ${MAX_EVENT_ID_CHARS} characters` };
  const fields = value.split('|');
  if (fields[0] !== VERSION || fields.length < 3 || fields.length > 4)
    return { ok: false, message: `Last-Event-ID is not an id this server sent (expected "1|<epoch>|<positions>[|<topics>]")` };
  const [, epoch = '', list = '', topics] = fields;
  if (epoch !== '-' && !EPOCH.test(epoch)) return { ok: false, message: 'Last-Event-ID has an invalid epoch' };
  const positions: Record<string, unknown> = {};
  for (const item of list === '' ? [] : list.split(',')) {
    const match = POSITION.exec(item);
    if (match === null || !(TOPIC_FAMILIES as readonly string[]).includes(match[1] as string)) {
      return { ok: false, message: `Last-Event-ID has an invalid position ${JSON.stringify(item.slice(0, 64))}` };
    }
    positions[match[1] as string] = { offset: Number(match[2]), epoch: match[3] ?? epoch };
  }
  const start: { positions?: Positions; topics?: readonly string[] } = {};
  if (topics !== undefined) start.topics = topics === '' ? [] : topics.split(',');
  if (Object.keys(positions).length === 0) return { ok: true, start };
  const parsed = validateClientMessage({ type: 'resume', positions });
  if (!parsed.ok || parsed.message.type !== 'resume') return { ok: false, message: `Last-Event-ID: ${parsed.ok ? 'invalid positions' : parsed.message}` };
  start.positions = parsed.message.positions;
  return { ok: true, start };
}
