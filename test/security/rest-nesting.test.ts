/**
 * Issue 14, finding 4 (REST): `PUT /api/v1/notifications/mark-all-read` with a deeply nested
 * `before` answered 500 (a stack overflow while quoting the value back) and echoed the input.
 * Every JSON body now passes a nesting check before it is parsed (400), and validation messages
 * quote at most a short prefix of what they received.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, SESSION_SECRET } from '../helpers/auth-world.js';
import { apiTokenHonest, sleep } from './auth-attack.js';
import { held, startServer, underAttack, type ChildServer } from './harness.js';

const DEEP = 100_000;
const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('REST bodies with deep nesting or large values', () => {
  let server: ChildServer;
  beforeAll(async () => {
    server = await startServer({ env: { AUTH_ENABLED: 'true', SESSION_SECRET_KEY: SESSION_SECRET, API_TOKEN } });
  });
  afterAll(async () => {
    await server?.close();
  });

  async function send(method: string, path: string, body: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` }, body });
    return { status: res.status, text: await res.text() };
  }

  it('answers 400 with a short body, never 500 or an echo, while the honest client is served', async () => {
    const answers: { status: number; length: number; echoed: boolean }[] = [];
    const bodies: [string, string, string][] = [
      ['PUT', '/api/v1/notifications/mark-all-read', `{"before":${nested(DEEP)}}`],
      ['PUT', '/api/v1/notifications/mark-all-read', `{"before":${JSON.stringify('2026-01-01T'.padEnd(100_000, 'x'))}}`],
      ['PUT', '/api/v1/notifications/mark-all-read', `{"before":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`],
      ['POST', '/api/v1/notifications', `{"title":"t","message":"m","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`],
      ['POST', '/api/v1/notifications', `{"title":"t","message":"m","level":${JSON.stringify('x'.repeat(100_000))}}`],
      ['POST', '/api/v1/jobs', `{"type":"sleep","params":${nested(DEEP)}}`],
    ];
    const report = await underAttack(
      'REST deep nesting',
      server,
      async () => {
        const until = performance.now() + 2500;
        while (performance.now() < until) {
          for (const [method, path, body] of bodies) {
            const { status, text } = await send(method, path, body);
            answers.push({
              status,
              length: text.length,
              echoed:
                text.includes('[[[[') || text.includes('{"a":{"a":') || text.includes('xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'),
            });
          }
          await sleep(100);
        }
      },
      apiTokenHonest,
    );
    console.log(
      `[security] REST deep nesting: statuses ${[...new Set(answers.map((a) => a.status))].join(',')}, longest answer ${Math.max(...answers.map((a) => a.length))} chars`,
    );
    expect(held(report)).toEqual({ healthOk: true, rssOk: true, honestOk: true });
    expect(answers.length).toBeGreaterThanOrEqual(bodies.length);
    for (const a of answers) {
      expect(a.status).toBe(400);
      expect(a.length).toBeLessThan(1000);
      expect(a.echoed).toBe(false);
    }
  });
});
