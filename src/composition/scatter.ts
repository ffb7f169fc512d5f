/**
 * Scatter and gather over the bus's control channel: a request goes to every instance (this one
 * included), each answers with one or more parts, and the asker collects the answers that arrive
 * within a timeout, saying which instances answered. Parts stay under PostgreSQL's NOTIFY payload
 * limit (the PostgreSQL-only bus sends control messages whole), so a long answer is split.
 *
 * The asker is done as soon as it and every peer it knows of (`peers`: the other instances
 * presence has heard from lately, none that said goodbye) have answered whole; until then, and
 * for an instance that stopped answering without a goodbye, it waits the timeout. An instance
 * started since presence last heard from the others is known from its first message (it says
 * `presence_sync` at start). A lone process (the in-process bus) has no peers: it is done once it
 * answered itself.
 */
import { randomUUID } from 'node:crypto';
import type { Bus, ControlMessage } from '../bus/types.js';

/** Control message kind of every answer part. */
export const SCATTER_REPLY = 'scatter_reply';
/** A part's items stay under this many bytes of JSON (NOTIFY refuses 8000 and more). */
export const MAX_PART_BYTES = 5000;

/** One instance's whole answer: its items (every part's, in order) and its summary. */
export interface InstanceAnswer {
  readonly instance: string;
  readonly items: readonly unknown[];
  readonly summary: Readonly<Record<string, unknown>>;
}

export interface Scatter {
  readonly instanceId: string;
  /** Sends `message` (with a request id) to every instance; resolves with the answers in by the timeout. */
  ask(message: ControlMessage): Promise<readonly InstanceAnswer[]>;
  /** Answers request `rid` from this instance, splitting `items` into parts. */
  answer(rid: string, items: readonly unknown[], summary: Readonly<Record<string, unknown>>): void;
  close(): void;
}

interface Pending {
  readonly parts: Map<string, { total: number; got: Map<number, readonly unknown[]>; summary: Readonly<Record<string, unknown>> }>;
  done(): void;
}

/** Splits items into groups whose JSON stays under `maxBytes` (an item larger than that goes alone). */
export function splitParts(items: readonly unknown[], maxBytes = MAX_PART_BYTES): unknown[][] {
  const parts: unknown[][] = [[]];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    const current = parts[parts.length - 1] as unknown[];
    if (current.length > 0 && bytes + size > maxBytes) {
      parts.push([item]);
      bytes = size;
    } else {
      current.push(item);
      bytes += size;
    }
  }
  return parts;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ScatterDeps {
  readonly bus: Bus;
  readonly instanceId: string;
  readonly timeoutMs: number;
  /** The other instances expected to answer; without it, every request waits the timeout. */
  readonly peers?: () => readonly string[];
}

export function createScatter(deps: ScatterDeps): Scatter {
  const { bus, instanceId, timeoutMs, peers } = deps;
  const pending = new Map<string, Pending>();

  /** Whether this instance and every known peer have answered whole. */
  function everyoneIn(parts: Pending['parts']): boolean {
    const whole = (id: string): boolean => {
      const entry = parts.get(id);
      return entry !== undefined && entry.got.size >= entry.total;
    };
    return whole(instanceId) && peers !== undefined && peers().every(whole);
  }

  const unsubscribe = bus.subscribeControl((m) => {
    if (m.kind !== SCATTER_REPLY || typeof m.rid !== 'string' || typeof m.instance !== 'string') return;
    const wait = pending.get(m.rid);
    const { part, parts, items, summary } = m;
    if (wait === undefined || !Number.isSafeInteger(part) || !Number.isSafeInteger(parts) || !Array.isArray(items) || !isRecord(summary)) return;
    const entry = wait.parts.get(m.instance) ?? { total: parts as number, got: new Map<number, readonly unknown[]>(), summary };
    entry.got.set(part as number, items);
    wait.parts.set(m.instance, entry);
    if (entry.got.size >= entry.total && everyoneIn(wait.parts)) wait.done();
  });

  return {
    instanceId,
    async ask(message) {
      const rid = randomUUID();
      const parts: Pending['parts'] = new Map();
      let timer: NodeJS.Timeout | undefined;
      const finished = new Promise<void>((resolve) => {
        pending.set(rid, { parts, done: resolve });
        timer = setTimeout(resolve, timeoutMs);
      });
      bus.publishControl({ ...message, rid });
      await finished;
      clearTimeout(timer);
      pending.delete(rid);
      // An instance whose parts did not all arrive in time counts as not answering.
      return [...parts.entries()]
        .filter(([, e]) => e.got.size >= e.total)
        .map(([instance, e]) => ({ instance, summary: e.summary, items: [...e.got.entries()].sort((x, y) => x[0] - y[0]).flatMap(([, i]) => i) }));
    },
    answer(rid, items, summary) {
      const groups = splitParts(items);
      groups.forEach((group, part) =>
        bus.publishControl({ kind: SCATTER_REPLY, rid, instance: instanceId, part, parts: groups.length, items: group, summary }),
      );
    },
    close() {
      unsubscribe();
      for (const wait of pending.values()) wait.done();
      pending.clear();
    },
  };
}
