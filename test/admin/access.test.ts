/** auth/access.ts: what an administrator's decision leaves of a principal, the per-instance cache, and a store that cannot be read. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { applyAccess, createAccessLookup, withAccess } from '../../src/auth/access.js';
import { createDevAuthenticator } from '../../src/auth/dev.js';
import { DEV_PRINCIPAL, type Principal } from '../../src/auth/principal.js';
import type { UserAccess } from '../../src/store/types.js';

const bob: Principal = { id: 'bob', name: 'bob', roles: ['user', 'admin'], method: 'oidc' };
const record = (fields: Partial<UserAccess>): UserAccess => ({
  userId: 'bob',
  blocked: false,
  revokedRoles: [],
  reason: 'r',
  updatedBy: 'root',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...fields,
});

describe('applyAccess', () => {
  it('keeps, narrows or refuses', () => {
    expect(applyAccess(bob, undefined)).toBe(bob);
    expect(applyAccess(bob, record({ revokedRoles: ['admin'] }))).toEqual({ ...bob, roles: ['user'] });
    expect(applyAccess(bob, record({ revokedRoles: ['user'] }))).toBeUndefined();
    expect(applyAccess(bob, record({ blocked: true }))).toBeUndefined();
  });
});

describe('createAccessLookup', () => {
  it('reads the store once for a burst of one user, again after forget or the cache time', async () => {
    let reads = 0;
    let clock = 0;
    const lookup = createAccessLookup(
      async () => {
        reads += 1;
        return record({ blocked: true });
      },
      5000,
      () => clock,
    );
    await Promise.all(Array.from({ length: 20 }, () => lookup.get('bob')));
    expect(reads).toBe(1);
    lookup.forget('bob');
    await lookup.get('bob');
    expect(reads).toBe(2);
    clock = 5000;
    await lookup.get('bob');
    expect(reads).toBe(3);
  });

  it('does not keep a failed read, and an authentication it fails is `unavailable`, never let in', async () => {
    let fail = true;
    const lookup = createAccessLookup(async () => {
      if (fail) throw new Error('database down');
      return undefined;
    }, 5000);
    const auth = withAccess(createDevAuthenticator(), lookup);
    const request = {} as IncomingMessage;
    expect(await auth.http(request)).toMatchObject({ ok: false, reason: 'unavailable' });
    fail = false;
    expect(await auth.http(request)).toEqual({ ok: true, principal: DEV_PRINCIPAL });
  });
});
