/**
 * The login round trip in a real Chromium: sign in at the provider, then the seed's browser flow
 * (ws-token → WebSocket), a cross-origin page refused, and logout closing the socket.
 */
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAuthWorld, type AuthWorld } from '../helpers/auth-world.js';

let world: AuthWorld;
let browser: Browser;

beforeAll(async () => {
  world = await startAuthWorld();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
});
afterAll(async () => {
  await browser?.close();
  await world?.close();
});

describe('Chromium login round trip', () => {
  it('signs in, connects with a ws-token, is refused from another origin, and is disconnected by logout', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${world.app.url}/auth/login?return_to=/auth/me`);
    await page.fill('input[name=login]', 'alice');
    await page.fill('input[name=password]', 'whatever');
    await page.click('button[type=submit]');
    await page.click('button[type=submit]'); // consent
    await page.waitForURL(`${world.app.url}/auth/me`);
    expect(JSON.parse(await page.innerText('body'))).toMatchObject({ user: 'alice', method: 'session' });
    const cookies = await context.cookies(world.app.url);
    const session = cookies.find((c) => c.name === 'aether_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    world.capture.secret(session?.value);

    // The seed's flow, with the token kept out of the URL: subprotocol `token.<jwt>`.
    const opened = await page.evaluate(async (wsUrl) => {
      const { token } = await (await fetch('/auth/ws-token')).json();
      const ws = new WebSocket(wsUrl, ['aether-v', `token.${token}`]);
      (window as unknown as { socket: WebSocket }).socket = ws;
      (window as unknown as { closedWith: Promise<number> }).closedWith = new Promise((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
      const first = await new Promise<string>((resolve, reject) => {
        ws.addEventListener('message', (e) => resolve(String(e.data)), { once: true });
        ws.addEventListener('close', (e) => reject(new Error(`closed ${e.code} ${e.reason}`)));
      });
      return { token, protocol: ws.protocol, first: JSON.parse(first) };
    }, world.app.wsUrl);
    world.capture.secret(opened.token);
    expect(opened.protocol).toBe('aether-v');
    expect(opened.first).toMatchObject({ type: 'connection', user: 'alice' });

    // Another origin (same site, other port: the browser still sends the cookie) cannot use it.
    const evil = await context.newPage();
    await evil.goto(`${world.provider.issuer}/.well-known/openid-configuration`);
    const refused = await evil.evaluate(
      (wsUrl) =>
        new Promise<{ code: number; reason: string }>((resolve) => {
          const ws = new WebSocket(wsUrl);
          ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason }));
        }),
      world.app.wsUrl,
    );
    expect(refused.code).toBe(1008);
    expect(refused.reason).toContain('origin');

    const code = await page.evaluate(async () => {
      const response = await fetch('/auth/logout', { method: 'POST' });
      if (response.status !== 204) throw new Error(`logout answered ${response.status}`);
      return (window as unknown as { closedWith: Promise<number> }).closedWith;
    });
    expect(code).toBe(4003);
    const me = await page.evaluate(async () => (await fetch('/auth/me')).status);
    expect(me).toBe(401);
    await context.close();
  }, 30_000);

  it('the page shows who is signed in, and signs out (needs `npm run build`)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${world.app.url}/auth/login?return_to=/`);
    await page.fill('input[name=login]', 'bob');
    await page.fill('input[name=password]', 'whatever');
    await page.click('button[type=submit]');
    await page.click('button[type=submit]');
    await page.waitForURL(`${world.app.url}/`);
    await page.waitForSelector('#user:not([hidden])');
    expect(await page.innerText('#user')).toBe('bob');
    await page.waitForSelector('#ws-status.ws-connected', { timeout: 5000 });
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    expect(await page.isHidden('#user')).toBe(true);
    // Signed out, the page asks for a sign-in instead of trying to load or connect.
    expect(await page.innerText('#app-status')).toBe('Sign in to see notifications and live updates.');
    expect(await page.getAttribute('#ws-status', 'class')).toContain('ws-disconnected');
    expect((await context.cookies(world.app.url)).find((c) => c.name === 'aether_session')).toBeUndefined();
    await context.close();
  }, 30_000);

  it('a signed-out page asks the API for nothing (no 401s in the console)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const apiCalls: string[] = [];
    page.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith('/api/')) apiCalls.push(pathname);
    });
    await page.goto(`${world.app.url}/`);
    await page.waitForSelector('#sign-in:not([hidden])');
    await page.waitForTimeout(500);
    expect(apiCalls).toEqual([]);
    await context.close();
  }, 30_000);

  it('wrote no token, cookie or secret to any log line', () => {
    expect(world.capture.leaks()).toEqual([]);
  });
});
