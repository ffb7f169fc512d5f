/** The cost budget variables: on with authentication, off in dev mode, each failing fast by name. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { API_TOKEN, SESSION_SECRET } from '../helpers/auth-world.js';

const dev = { AUTH_ENABLED: 'false', ALLOW_DEV_AUTH: 'true' };
const auth = { SESSION_SECRET_KEY: SESSION_SECRET, API_TOKEN };

describe('cost budget configuration', () => {
  it('defaults: budgets on with auth, off (0) in dev mode; the queue and stall bounds always', () => {
    expect(loadConfig(auth).limits.costs).toEqual({ perConnection: 12_000, perUser: 30_000, windowSec: 60, maxQueued: 8, replayStallMs: 10_000 });
    expect(loadConfig(dev).limits.costs).toEqual({ perConnection: 0, perUser: 0, windowSec: 60, maxQueued: 8, replayStallMs: 10_000 });
  });

  it('reads each variable', () => {
    const env = {
      ...dev,
      WS_COST_BUDGET_PER_CONNECTION: '500',
      WS_COST_BUDGET_PER_USER: '900',
      WS_COST_BUDGET_WINDOW_SEC: '10',
      WS_MAX_QUEUED_SYNCS: '2',
      WS_REPLAY_STALL_MS: '1500',
    };
    expect(loadConfig(env).limits.costs).toEqual({ perConnection: 500, perUser: 900, windowSec: 10, maxQueued: 2, replayStallMs: 1500 });
  });

  it.each([
    ['WS_COST_BUDGET_PER_CONNECTION', '-1'],
    ['WS_COST_BUDGET_PER_USER', 'lots'],
    ['WS_COST_BUDGET_WINDOW_SEC', '0'],
    ['WS_MAX_QUEUED_SYNCS', '0'],
    ['WS_REPLAY_STALL_MS', '10'],
  ])('%s=%s fails naming the variable', (name, value) => {
    expect(() => loadConfig({ ...dev, [name]: value })).toThrow(new RegExp(`^${name}: `));
  });
});
