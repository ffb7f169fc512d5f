/**
 * Presence in real Chromium: two users (two browser profiles) on the same host's page see each
 * other's initials, with the name as accessible label and title and never their own; when one
 * leaves the page the other sees them go (after PRESENCE_LEAVE_GRACE_MS); the same on a job's
 * page; and a VM's action buttons warn about a job someone else just started on that VM.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Authenticator } from '../../src/auth/authenticator.js';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { launchBrowser, type Browser } from './browser.js';

const WAIT = { timeout: 10_000 };
const GRACE_MS = 300;

/** The user is named by the `x-test-user` header on every request, the WebSocket upgrade included. */
function headerAuthenticator(): Authenticator {
  const principal = (id: string) => ({ ok: true as const, principal: { id, name: id.replace('.', ' '), roles: ['admin'], method: 'test' } });
  const named = (value: string | string[] | undefined): string => (typeof value === 'string' && value !== '' ? value : 'nobody');
  return {
    http: async (request) => principal(named(request.headers['x-test-user'])),
    upgrade: async (request) => principal(named(request.headers['x-test-user'])),
    credential: async (token) => principal(token),
  };
}

describe('presence on the page, two users', () => {
  let srv: Running;
  let alice: Browser;
  let bob: Browser;

  async function openAs(browser: Browser, user: string, hash: string): Promise<Page> {
    const page = await browser.open('about:blank');
    await page.setExtraHTTPHeaders({ 'x-test-user': user });
    await page.goto(`${srv.url}/${hash}`);
    await page.locator('#ws-status.ws-connected').waitFor(WAIT);
    return page;
  }

  beforeAll(async () => {
    srv = await startInProcess(
      { DUMMY_DATA: 'false', SIMULATOR_INTERVAL_MS: '0', JOB_TICK_MS: '60000', PRESENCE_LEAVE_GRACE_MS: String(GRACE_MS) },
      { authenticator: headerAuthenticator() },
    );
    await api(srv.url, 'PUT', '/api/v1/hosts/hv-pres-01', { vms: [{ name: 'web-01', state: 'off' }] }, { 'x-test-user': 'alice.liddell' });
    [alice, bob] = await Promise.all([launchBrowser(), launchBrowser()]);
  });
  afterAll(async () => {
    await Promise.allSettled([alice?.close(), bob?.close()]);
    await srv?.close();
  });

  it("shows who else is on a host's page, by initials with the name as label, and sees them leave", async () => {
    const a = await openAs(alice, 'alice.liddell', '#/inventory?host=hv-pres-01');
    const b = await openAs(bob, 'bob.builder', '#/inventory?host=hv-pres-01');
    const bobOnA = a.locator('#inventory-presence .avatar[data-user="bob.builder"]');
    await bobOnA.waitFor(WAIT);
    expect(await bobOnA.textContent()).toBe('BB');
    expect(await bobOnA.getAttribute('title')).toBe('bob builder');
    expect(await bobOnA.locator('[role="img"]').getAttribute('aria-label')).toBe('bob builder');
    await b.locator('#inventory-presence .avatar[data-user="alice.liddell"]').waitFor(WAIT);
    // Nobody sees themselves.
    expect(await a.locator('#inventory-presence .avatar[data-user="alice.liddell"]').count()).toBe(0);
    expect(await b.locator('#inventory-presence .avatar[data-user="bob.builder"]').count()).toBe(0);
    expect(await a.locator('li[data-host="hv-pres-01"]').count()).toBe(1);

    await b.goto(`${srv.url}/#/jobs`);
    await bobOnA.waitFor({ state: 'detached', ...WAIT });
    expect(await a.locator('#inventory-presence').isHidden()).toBe(true);
  });

  it("shows who else has a job open, and warns on the VM's buttons about a job someone else started", async () => {
    const created = await api(
      srv.url,
      'POST',
      '/api/v1/jobs',
      { type: 'vm.start', parameters: { host: 'hv-pres-01', vm: 'web-01' } },
      { 'x-test-user': 'bob.builder' },
    );
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    const a = await openAs(alice, 'alice.liddell', `#/jobs/${id}`);
    await openAs(bob, 'bob.builder', `#/jobs/${id}`);
    await a.locator('#job-presence .avatar[data-user="bob.builder"]').waitFor(WAIT);

    await a.goto(`${srv.url}/#/inventory?host=hv-pres-01`);
    const warning = a.locator('tr[data-vm="hv-pres-01/web-01"] .row-warning');
    await warning.waitFor(WAIT);
    expect(await warning.textContent()).toContain('bob.builder started vm.start here');
  });
});
