/**
 * /docs, the browsable API reference (swagger-ui), in real Chromium against the built server: it
 * loads under the Content-Security-Policy the server sends, fetches nothing from anywhere but the
 * server (there is no internet here, and an operator's network may have none either), lists every
 * operation of /openapi.json, and can call one. Every console error and CSP violation fails it.
 */
import { expect, it } from 'vitest';
import { useServerAndBrowser } from './browser.js';

const env = useServerAndBrowser('all');
const WAIT = { timeout: 15_000 };

type Doc = { paths: Record<string, Record<string, unknown>> };

it('loads under the server’s CSP from the server alone, lists every route, and calls one', async () => {
  const doc = (await (await fetch(`${env.server.url}/openapi.json`)).json()) as Doc;
  const operations = Object.entries(doc.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
  expect(operations.length).toBeGreaterThan(30);

  const page = await env.browser.open('about:blank');
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  const answer = await page.goto(`${env.server.url}/docs`);
  // The policy the page runs under: scripts from the server only, no inline script, no eval.
  const csp = (await answer?.allHeaders())?.['content-security-policy'] ?? '';
  expect(csp).toContain("script-src 'self';");
  expect(csp).toContain("connect-src 'self';");
  expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);

  await page.locator('.opblock').first().waitFor(WAIT);
  await expect.poll(() => page.locator('.opblock').count(), WAIT).toBe(operations.length);
  const listed = await page
    .locator('.opblock-summary')
    .evaluateAll((rows) =>
      rows.map(
        (r) => `${r.querySelector('.opblock-summary-method')?.textContent ?? ''} ${r.querySelector('.opblock-summary-path')?.getAttribute('data-path') ?? ''}`,
      ),
    );
  expect(listed.sort()).toEqual(operations);
  expect(await page.locator('.info .title').textContent()).toContain('Aether-V Realtime');

  // Try it out on GET /healthz: the call goes to this server, under connect-src 'self'.
  const health = page.locator('.opblock-get', { has: page.locator('[data-path="/healthz"]') });
  await health.locator('.opblock-summary-control').click();
  await health.locator('button.try-out__btn').click();
  await health.locator('button.execute').click();
  await health.locator('.live-responses-table .response-col_status', { hasText: '200' }).waitFor(WAIT);

  const origin = new URL(env.server.url).origin;
  expect(requested.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'))).toEqual([]);
  expect(requested).toContain(`${origin}/healthz`);
  expect(env.browser.problems()).toEqual([]);
});
