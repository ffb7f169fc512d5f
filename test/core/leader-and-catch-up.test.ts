/** The job runner gate (leader election) and the catch-up from the store, with fakes. */
import { describe, expect, it } from 'vitest';
import { catchUp, createCatchUpRunner } from '../../src/core/catch-up.js';
import { createRunnerGate, type LedRunner } from '../../src/core/leader.js';
import { fixedElection, type Election } from '../../src/shared/election.js';
import type { TopicEvent } from '../../src/store/types.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function fakeRunner(log: string[]): () => LedRunner {
  let n = 0;
  return () => {
    const me = ++n;
    return {
      start: async () => void log.push(`start ${me}`),
      enqueue: (id) => void log.push(`enqueue ${me} ${id}`),
      close: async () => void log.push(`close ${me}`),
    };
  };
}

const event = (topic: string, offset: number, action = 'created', data: unknown = { id: `j${offset}` }): TopicEvent => ({
  topic,
  offset,
  epoch: 'e',
  type: 'job',
  action,
  data,
  audience: null,
  keys: [],
  at: '',
});

describe('runner gate', () => {
  it('a lone process leads at once, runs jobs it creates and jobs created elsewhere', async () => {
    const log: string[] = [];
    const gate = await createRunnerGate({ election: fixedElection(true), create: fakeRunner(log), jobsTopic: 'jobs', retryMs: 10_000, logger: quiet });
    expect(gate.isLeader()).toBe(true);
    gate.enqueue('a');
    gate.observe(event('jobs', 1));
    gate.observe(event('jobs', 2, 'updated'));
    gate.observe(event('notifications', 3));
    await gate.close();
    expect(log).toEqual(['start 1', 'enqueue 1 a', 'enqueue 1 j1', 'close 1']);
  });

  it('a follower runs nothing, takes over when the lock frees, and stops its runner when the lock is lost', async () => {
    const log: string[] = [];
    let free = false;
    let held = false;
    const election: Election = {
      acquire: async () => (held = free),
      check: async () => held,
      release: async () => void (held = false),
    };
    const gate = await createRunnerGate({ election, create: fakeRunner(log), jobsTopic: 'jobs', retryMs: 20, logger: quiet });
    gate.enqueue('a');
    gate.observe(event('jobs', 1));
    expect(gate.isLeader()).toBe(false);
    free = true;
    await expect.poll(() => gate.isLeader()).toBe(true);
    held = false;
    free = false;
    await expect.poll(() => gate.isLeader()).toBe(false);
    await gate.close();
    expect(log).toEqual(['start 1', 'close 1']);
  });
});

describe('catch-up', () => {
  it('feeds every event past the sequencer position, page by page, per topic', async () => {
    const log = new Map([
      ['a', 1200],
      ['b', 3],
    ]);
    const accepted: string[] = [];
    const positions = new Map([
      ['a', 100],
      ['b', 3],
    ]);
    const read = await catchUp(
      {
        heads: async () => log,
        async eventsAfter(topic, after, limit, upto) {
          const head = Math.min(upto ?? Infinity, log.get(topic) ?? 0);
          const events = [];
          for (let o = after + 1; o <= Math.min(head, after + limit); o++) events.push(event(topic, o));
          return { floor: 0, head, events };
        },
      },
      {
        accept: (e) => {
          accepted.push(`${e.topic}${e.offset}`);
          positions.set(e.topic, e.offset);
        },
        position: (topic) => positions.get(topic) ?? 0,
      },
    );
    expect(read).toBe(1100);
    expect(accepted[0]).toBe('a101');
    expect(accepted.at(-1)).toBe('a1200');
  });

  it('runs one catch-up at a time and once more when asked during a run', async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const runner = createCatchUpRunner(
      async () => {
        runs += 1;
        await new Promise<void>((r) => (release = r));
      },
      () => undefined,
    );
    runner.request();
    runner.request();
    runner.request();
    release();
    await expect.poll(() => runs).toBe(2);
    release();
    await runner.idle();
    expect(runs).toBe(2);
  });
});
