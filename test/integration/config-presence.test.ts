/** Configuration of presence (PRESENCE_*): defaults, every variable, and refusals naming the variable. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { configError } from '../helpers/config-error.js';

const dev = { AUTH_ENABLED: 'false', ALLOW_DEV_AUTH: 'true' };

describe('presence config', () => {
  it('defaults', () => {
    expect(loadConfig(dev).presence).toEqual({
      leaveGraceMs: 5000,
      heartbeatMs: 5000,
      instanceTimeoutMs: 15_000,
      maxMembers: 100,
      maxTopicsPerConnection: 8,
      maxTopicsPerUser: 32,
      heartbeatMaxBytes: 4096,
    });
  });
  it('reads every variable', () => {
    const c = loadConfig({
      ...dev,
      PRESENCE_LEAVE_GRACE_MS: '0',
      PRESENCE_HEARTBEAT_MS: '1000',
      PRESENCE_INSTANCE_TIMEOUT_MS: '3000',
      PRESENCE_MAX_MEMBERS: '10',
      PRESENCE_MAX_TOPICS_PER_CONNECTION: '2',
      PRESENCE_MAX_TOPICS_PER_USER: '4',
      PRESENCE_HEARTBEAT_MAX_BYTES: '2048',
    });
    expect(c.presence).toEqual({
      leaveGraceMs: 0,
      heartbeatMs: 1000,
      instanceTimeoutMs: 3000,
      maxMembers: 10,
      maxTopicsPerConnection: 2,
      maxTopicsPerUser: 4,
      heartbeatMaxBytes: 2048,
    });
  });
  it('fails fast naming the variable', () => {
    expect(configError({ ...dev, PRESENCE_HEARTBEAT_MS: '5000', PRESENCE_INSTANCE_TIMEOUT_MS: '5000' })).toMatch(/PRESENCE_INSTANCE_TIMEOUT_MS/);
    expect(configError({ ...dev, PRESENCE_HEARTBEAT_MAX_BYTES: '8000' })).toMatch(/PRESENCE_HEARTBEAT_MAX_BYTES/);
    expect(configError({ ...dev, PRESENCE_MAX_MEMBERS: '0' })).toMatch(/PRESENCE_MAX_MEMBERS/);
  });
});
