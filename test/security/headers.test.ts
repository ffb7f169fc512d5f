/**
 * Security headers: the page and the API answer with a strict Content-Security-Policy (no inline
 * script, nothing framed), nosniff and a Referrer-Policy; the page's source maps are not public
 * outside development mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, SESSION_SECRET } from '../helpers/auth-world.js';
import { startServer, type ChildServer } from './harness.js';

/** `directive value…` pairs of a Content-Security-Policy header. */
function directives(csp: string | null): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of (csp ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name !== undefined && name !== '') map.set(name, values.join(' '));
  }
  return map;
}

describe('security headers with authentication on', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startServer({ env: { AUTH_ENABLED: 'true', ALLOW_DEV_AUTH: 'false', SESSION_SECRET_KEY: SESSION_SECRET, API_TOKEN } });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('serves the page with a strict CSP, frame-ancestors none, nosniff and a Referrer-Policy', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    const csp = directives(page.headers.get('content-security-policy'));
    expect(csp.get('script-src')).toBe("'self'");
    expect(csp.get('default-src')).toBe("'self'");
    expect(csp.get('connect-src')).toBe("'self'");
    expect(csp.get('object-src')).toBe("'none'");
    expect(csp.get('frame-ancestors')).toBe("'none'");
    for (const value of csp.values()) expect(value).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    console.log(`[security] headers: / answers content-security-policy: ${page.headers.get('content-security-policy')}`);
  });

  it('sends nosniff and frame-ancestors none on API answers and errors', async () => {
    const answers = [
      await fetch(`${server.url}/api/v1/notifications`, { headers: { authorization: `Bearer ${API_TOKEN}` } }),
      await fetch(`${server.url}/api/v1/notifications`),
      await fetch(`${server.url}/no-such-page`),
      await fetch(`${server.url}/healthz`),
    ];
    for (const res of answers) {
      expect(res.headers.get('x-content-type-options'), res.url).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), res.url).toBe('DENY');
      expect(res.headers.get('referrer-policy'), res.url).toBe('no-referrer');
      const csp = directives(res.headers.get('content-security-policy'));
      expect(csp.get('frame-ancestors'), res.url).toBe("'none'");
    }
  });

  it('does not serve source maps', async () => {
    expect((await fetch(`${server.url}/app.js`)).status).toBe(200);
    const map = await fetch(`${server.url}/app.js.map`);
    expect(map.status).toBe(404);
    expect(await map.text()).not.toContain('sourcesContent');
  });
});

describe('security headers in development mode', () => {
  it('serves source maps there (and the same headers)', async () => {
    const server = await startServer();
    try {
      const map = await fetch(`${server.url}/app.js.map`);
      expect(map.status).toBe(200);
      expect(map.headers.get('x-content-type-options')).toBe('nosniff');
    } finally {
      await server.close();
    }
  });
});
