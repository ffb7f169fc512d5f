/** How watch reports each client status: a stderr line, or the end with an exit code. */
import { describe, expect, it } from 'vitest';
import { describeStatus, type FollowSettings, type FollowState } from '../../src/cli/follow.js';
import { painter } from '../../src/cli/output.js';

const settings = (token?: string, maxAttempts = 10): FollowSettings => ({
  connection: { baseUrl: 'http://h:1', wsUrl: 'ws://h:1/ws', token },
  topics: ['notifications', 'jobs'],
  json: false,
  sinceNow: false,
  maxAttempts,
  paint: painter(false),
  paintErr: painter(false),
});
const state = (everConnected: boolean, lastTransportError?: string): FollowState => ({ everConnected, lastTransportError });

describe('describeStatus', () => {
  it('announces the first connect only', () => {
    expect(describeStatus('connecting', { attempt: 0 }, state(false), settings()).note).toBe('connecting to ws://h:1/ws (topics: notifications, jobs)');
    expect(describeStatus('connecting', { attempt: 2 }, state(true), settings())).toEqual({});
  });

  it('a first connect that fails ends watch with exit 4 and the transport error', () => {
    const { error } = describeStatus('reconnecting', { attempt: 1, code: 1006, reason: '' }, state(false, 'connect ECONNREFUSED 1.2.3.4:1'), settings());
    expect(error?.exitCode).toBe(4);
    expect(error?.message).toBe('cannot connect to ws://h:1/ws: connect ECONNREFUSED 1.2.3.4:1');
  });

  it('a drop after connecting is a note with the close, the delay and the budget', () => {
    const s = state(true);
    expect(describeStatus('reconnecting', { attempt: 1, delayMs: 900, code: 1001, reason: 'server shutting down' }, s, settings()).note).toBe(
      'connection lost (1001 server shutting down); reconnecting in 0.9 s (attempt 1 of 10)',
    );
    s.lastTransportError = 'connect ECONNREFUSED h:1';
    expect(describeStatus('reconnecting', { attempt: 2, delayMs: 1500, code: 1006, reason: '' }, s, settings(undefined, Number.MAX_SAFE_INTEGER)).note).toBe(
      'still unreachable (connect ECONNREFUSED h:1); reconnecting in 1.5 s (attempt 2)',
    );
    expect(s.lastTransportError).toBeUndefined();
  });

  it('auth_failed is exit 3, with a hint when no token is configured', () => {
    const without = describeStatus('auth_failed', { code: 1008, reason: 'missing: no credential' }, state(false), settings()).error;
    expect(without?.exitCode).toBe(3);
    expect(without?.message).toBe('authentication failed on ws://h:1/ws: 1008 missing: no credential; set AETHER_TOKEN or pass --token');
    const revoked = describeStatus('auth_failed', { code: 4003, reason: 'session revoked' }, state(true), settings('t')).error;
    expect(revoked?.message).toBe('authentication failed on ws://h:1/ws: 4003 session revoked');
  });

  it('failed is exit 4 naming the attempts', () => {
    const { error } = describeStatus('failed', { attempt: 3, maxAttempts: 3, code: 1006, reason: '' }, state(true, 'connect ECONNREFUSED h:1'), settings());
    expect(error?.exitCode).toBe(4);
    expect(error?.message).toBe('gave up after 3 reconnection attempts: connect ECONNREFUSED h:1');
  });
});
