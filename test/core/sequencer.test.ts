/** The sequencer alone: order per topic, duplicates dropped, gaps filled from the log or skipped. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSequencer, type Sequencer } from '../../src/core/sequencer.js';
import type { TopicEvent } from '../../src/store/types.js';

const quiet = { debug() {}, info() {}, warn: vi.fn(), error() {} };
const ev = (topic: string, offset: number): TopicEvent => ({
  topic,
  offset,
  epoch: 'e',
  type: topic,
  action: 'created',
  data: { offset },
  audience: null,
  keys: [],
  at: '',
});

function setup(log: TopicEvent[] = [], heads = new Map<string, number>()): { seq: Sequencer; delivered: string[] } {
  const delivered: string[] = [];
  const seq = createSequencer({
    heads,
    gapTimeoutMs: 50,
    logger: quiet,
    deliver: (e) => delivered.push(`${e.topic}#${e.offset}`),
    fetch: async (topic, after, upto) => log.filter((e) => e.topic === topic && e.offset > after && e.offset <= upto),
  });
  return { seq, delivered };
}

describe('sequencer', () => {
  let seq: Sequencer | undefined;
  afterEach(() => seq?.close());

  it('delivers in offset order per topic and drops duplicates and old offsets', () => {
    const s = setup([], new Map([['jobs', 4]]));
    seq = s.seq;
    for (const e of [ev('jobs', 6), ev('jobs', 5), ev('jobs', 5), ev('jobs', 4), ev('notifications', 1), ev('jobs', 7)]) s.seq.accept(e);
    expect(s.delivered).toEqual(['jobs#5', 'jobs#6', 'notifications#1', 'jobs#7']);
    expect(s.seq.position('jobs')).toBe(7);
  });

  it('fills a gap that does not close by itself from the log', async () => {
    const s = setup([ev('jobs', 1), ev('jobs', 2), ev('jobs', 3)]);
    seq = s.seq;
    s.seq.accept(ev('jobs', 1));
    s.seq.accept(ev('jobs', 3));
    expect(s.delivered).toEqual(['jobs#1']);
    await vi.waitFor(() => expect(s.delivered).toEqual(['jobs#1', 'jobs#2', 'jobs#3']));
  });

  it('skips ahead, with a warning, past a gap the log no longer holds', async () => {
    const s = setup([]);
    seq = s.seq;
    s.seq.accept(ev('jobs', 5));
    await vi.waitFor(() => expect(s.delivered).toEqual(['jobs#5']));
    expect(quiet.warn).toHaveBeenCalled();
  });
});
