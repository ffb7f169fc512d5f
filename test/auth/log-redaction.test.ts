/**
 * The logger's own redaction (src/http/log.ts): every credential field three levels of plain
 * objects deep is censored, in a line's fields and a child logger's bindings, and a line without
 * one is written as it came, uncopied.
 */
import { Writable } from 'node:stream';
import { expect, it } from 'vitest';
import { createLogger, redactSecrets, redactUrl } from '../../src/http/log.js';

function capture(): { lines: Record<string, unknown>[]; logger: ReturnType<typeof createLogger> } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.length > 0) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ debug: false, destination }) };
}

it('censors every path the old pino redact list named, and more of the same names', async () => {
  const { lines, logger } = capture();
  logger.info(
    {
      token: 't0',
      apiToken: 'a0',
      auth: { token: 't1', authorization: 'Bearer x', cookie: 'c', sessionSecret: 's', clientSecret: 'k', keep: 'visible' },
      headers: { authorization: 'Bearer y', cookie: 'c2', 'set-cookie': ['sid=1'], 'sec-websocket-protocol': 'aether-v, token.z', host: 'h' },
      upstream: { headers: { authorization: 'Bearer w', 'sec-websocket-protocol': 'token.q', accept: '*/*' } },
      res: { headers: { 'set-cookie': 'sid=2' } },
      clientId: 'c-1',
      count: 3,
    },
    'hello',
  );
  logger.child({ token: 'child-token', component: 'x' }).info({}, 'from a child');
  await new Promise((r) => setImmediate(r));
  expect(lines[0]).toMatchObject({
    token: '[REDACTED]',
    apiToken: '[REDACTED]',
    auth: { token: '[REDACTED]', authorization: '[REDACTED]', cookie: '[REDACTED]', sessionSecret: '[REDACTED]', clientSecret: '[REDACTED]', keep: 'visible' },
    headers: { authorization: '[REDACTED]', cookie: '[REDACTED]', 'set-cookie': '[REDACTED]', 'sec-websocket-protocol': '[REDACTED]', host: 'h' },
    upstream: { headers: { authorization: '[REDACTED]', 'sec-websocket-protocol': '[REDACTED]', accept: '*/*' } },
    res: { headers: { 'set-cookie': '[REDACTED]' } },
    clientId: 'c-1',
    count: 3,
    msg: 'hello',
  });
  expect(lines[1]).toMatchObject({ token: '[REDACTED]', component: 'x', msg: 'from a child' });
  expect(JSON.stringify(lines)).not.toMatch(/t0|a0|t1|Bearer|sid=|token\.z|token\.q|child-token/);
});

it('leaves a line without credentials uncopied, and the object logged unchanged', () => {
  const fields = { clientId: 'c', user: 'u', ip: '127.0.0.1', nested: { deep: { deeper: { token: 'past three levels' } } } };
  expect(redactSecrets(fields)).toBe(fields);
  const secret = { user: 'u', auth: { token: 't' } };
  const redacted = redactSecrets(secret);
  expect(redacted).toEqual({ user: 'u', auth: { token: '[REDACTED]' } });
  expect(secret.auth.token).toBe('t');
});

it('redacts credential query parameters of a URL, and leaves a URL without a query as it is', () => {
  expect(redactUrl('/ws?token=abc.def&topics=jobs')).toBe('/ws?token=[REDACTED]&topics=jobs');
  expect(redactUrl('/auth/callback?code=xyz&state=s1')).toBe('/auth/callback?code=[REDACTED]&state=[REDACTED]');
  expect(redactUrl('/api/v1/notifications?limit=5&api_token=t0k')).toBe('/api/v1/notifications?limit=5&api_token=[REDACTED]');
  // `&` without `?` is not a query, but a credential-looking parameter is still redacted.
  expect(redactUrl('/odd&access_token=t0k')).toBe('/odd&access_token=[REDACTED]');
  const plain = '/api/v1/hosts/hv-01';
  expect(redactUrl(plain)).toBe(plain);
});
