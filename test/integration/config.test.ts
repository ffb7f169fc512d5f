/** Configuration: typed, validated at start, failing fast with the variable's name. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const dev = { AUTH_ENABLED: 'false', ALLOW_DEV_AUTH: 'true' };

describe('config', () => {
  it('has safe defaults', () => {
    const c = loadConfig(dev);
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8000, listenBacklog: 4096, debug: false, auth: { mode: 'dev' } });
    expect(c.limits.unreadCountCacheUsers).toBe(100_000);
    expect(c.database).toMatchObject({ kind: 'sqlite', file: expect.stringMatching(/data\/aether-v\.sqlite$/) });
    expect(c.redis).toBeUndefined();
    expect(c.workers).toBe(1);
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('refuses dev mode without ALLOW_DEV_AUTH=true, saying why', () => {
    expect(() => loadConfig({ AUTH_ENABLED: 'false' })).toThrow(/ALLOW_DEV_AUTH: .*refusing to start/);
  });
  it('does not silently let anyone in when AUTH_ENABLED is true or unset', () => {
    expect(() => loadConfig({})).toThrow(/AUTH_ENABLED/);
    expect(() => loadConfig({ AUTH_ENABLED: 'true', ALLOW_DEV_AUTH: 'true' })).toThrow(/AUTH_ENABLED/);
  });
  it('keeps dev auth on loopback unless told otherwise', () => {
    expect(() => loadConfig({ ...dev, HOST: '0.0.0.0' })).toThrow(/HOST/);
    expect(loadConfig({ ...dev, HOST: '0.0.0.0', ALLOW_DEV_AUTH_REMOTE: 'true' }).host).toBe('0.0.0.0');
  });
  it.each([
    ['PORT', 'eighty', /PORT: expected an integer/],
    ['PORT', '70000', /PORT: expected an integer from 0 to 65535/],
    ['DEBUG', 'maybe', /DEBUG: expected true or false/],
    ['WS_MAX_CONNECTIONS', '0', /WS_MAX_CONNECTIONS/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL/],
    ['WS_MAX_MESSAGE_BYTES', '99999999', /WS_MAX_MESSAGE_BYTES: must not exceed/],
    ['REDIS_URL', 'http://x', /REDIS_URL: expected redis:/],
    ['REDIS_CHANNEL_PREFIX', 'a b', /REDIS_CHANNEL_PREFIX/],
    ['WORKERS', '0', /WORKERS: expected an integer from 1/],
    ['V8_WORKER_NICE', '20', /V8_WORKER_NICE: expected auto or an integer from 0 to 19/],
    ['V8_WORKER_NICE', '-5', /V8_WORKER_NICE: expected auto or an integer from 0 to 19/],
    ['V8_WORKER_NICE', 'high', /V8_WORKER_NICE: expected auto or an integer from 0 to 19, got "high"/],
    ['LISTEN_BACKLOG', '0', /LISTEN_BACKLOG: expected an integer from 1/],
    ['UNREAD_COUNT_CACHE_USERS', 'lots', /UNREAD_COUNT_CACHE_USERS: expected an integer/],
    ['RESUME_RING_EVENTS', '-1', /RESUME_RING_EVENTS: expected an integer from 0/],
    ['RESUME_RING_BYTES', 'big', /RESUME_RING_BYTES: expected an integer/],
  ])('fails fast on %s=%s naming the variable', (name, value, message) => {
    expect(() => loadConfig({ ...dev, [name]: value })).toThrow(message);
  });
  it('accepts DATABASE_URL=sqlite:<file>', () => {
    expect(loadConfig({ ...dev, DATABASE_URL: 'sqlite:/tmp/x.db' }).database).toEqual({
      kind: 'sqlite',
      file: '/tmp/x.db',
      checkpointIntervalMs: 1000,
      writeGroupMax: 64,
    });
    expect(loadConfig({ ...dev, SQLITE_CHECKPOINT_INTERVAL_MS: '0' }).database).toMatchObject({ kind: 'sqlite', checkpointIntervalMs: 0 });
    expect(() => loadConfig({ ...dev, SQLITE_CHECKPOINT_INTERVAL_MS: 'soon' })).toThrow(/SQLITE_CHECKPOINT_INTERVAL_MS/);
    expect(loadConfig({ ...dev, WRITE_GROUP_MAX: '1' }).database).toMatchObject({ kind: 'sqlite', writeGroupMax: 1 });
    expect(() => loadConfig({ ...dev, WRITE_GROUP_MAX: '0' })).toThrow(/WRITE_GROUP_MAX: expected an integer from 1/);
  });
  it('accepts DATABASE_URL=postgres://… and REDIS_URL with the default channel prefix', () => {
    const c = loadConfig({ ...dev, DATABASE_URL: 'postgres://u:p@db:5432/aether', REDIS_URL: 'redis://cache:6379', WORKERS: '4' });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db:5432/aether', writeGroupMax: 64 });
    expect(c.redis).toEqual({ url: 'redis://cache:6379', prefix: 'aether-v' });
    expect(c.workers).toBe(4);
    expect(c.v8WorkerNice).toBe('auto');
    expect(loadConfig({ ...dev, V8_WORKER_NICE: ' Auto ' }).v8WorkerNice).toBe('auto');
    expect(loadConfig({ ...dev, V8_WORKER_NICE: '0' }).v8WorkerNice).toBe(0);
    expect(loadConfig({ ...dev, V8_WORKER_NICE: '19' }).v8WorkerNice).toBe(19);
    expect(loadConfig({ ...dev, REDIS_URL: 'redis://cache', REDIS_CHANNEL_PREFIX: 'prod-eu' }).redis?.prefix).toBe('prod-eu');
  });
});
