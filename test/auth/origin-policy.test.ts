/** The origin and Host rules of src/auth/origin.ts on hand-made requests: no server needed. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createOriginPolicy, type OriginPolicyOptions } from '../../src/auth/origin.js';

function req(headers: Record<string, string>, localAddress = '127.0.0.1', localPort = 8000): IncomingMessage {
  return { headers, socket: { localAddress, localPort } } as unknown as IncomingMessage;
}

const base: OriginPolicyOptions = { allowedOrigins: [], publicUrl: undefined, guardHost: false };
const kind = (options: Partial<OriginPolicyOptions>, r: IncomingMessage): string => createOriginPolicy({ ...base, ...options }).check(r).kind;

describe('origin policy', () => {
  it('without PUBLIC_URL: the bound address and port over http, loopback names included, never the Host', () => {
    expect(kind({}, req({}))).toBe('none');
    for (const origin of ['http://127.0.0.1:8000', 'http://localhost:8000', 'http://[::1]:8000', 'HTTP://LOCALHOST:8000'])
      expect(kind({}, req({ origin })), origin).toBe('allowed');
    for (const origin of ['https://127.0.0.1:8000', 'http://127.0.0.1:8001', 'http://127.0.0.1', 'null', 'not a url'])
      expect(kind({}, req({ origin })), origin).toBe('refused');
    expect(kind({}, req({ host: 'evil.example:8000', origin: 'http://evil.example:8000' }))).toBe('refused');
    // IPv4-mapped and IPv6 bound addresses, and a non-loopback address (no loopback names then).
    expect(kind({}, req({ origin: 'http://127.0.0.1:8000' }, '::ffff:127.0.0.1'))).toBe('allowed');
    expect(kind({}, req({ origin: 'http://[fd00::5]:8000' }, 'fd00::5'))).toBe('allowed');
    expect(kind({}, req({ origin: 'http://10.0.0.5:8000' }, '10.0.0.5'))).toBe('allowed');
    expect(kind({}, req({ origin: 'http://localhost:8000' }, '10.0.0.5'))).toBe('refused');
    // A fake socket (inject()) has no address: only configured origins can pass.
    expect(kind({}, { headers: { origin: 'http://127.0.0.1:8000' }, socket: {} } as unknown as IncomingMessage)).toBe('refused');
  });

  it('with PUBLIC_URL: exactly its scheme, host and port (default ports normalised)', () => {
    const publicUrl = 'https://console.example.com';
    expect(kind({ publicUrl }, req({ origin: 'https://console.example.com' }))).toBe('allowed');
    expect(kind({ publicUrl }, req({ origin: 'https://console.example.com:443' }))).toBe('allowed');
    for (const origin of ['http://console.example.com', 'https://console.example.com:8443', 'http://127.0.0.1:8000'])
      expect(kind({ publicUrl }, req({ origin, host: new URL(origin).host })), origin).toBe('refused');
  });

  it('ALLOWED_ORIGINS replaces the own origin', () => {
    const allowedOrigins = ['https://ops.example.com'];
    expect(kind({ allowedOrigins }, req({ origin: 'https://ops.example.com' }))).toBe('allowed');
    expect(kind({ allowedOrigins }, req({ origin: 'http://127.0.0.1:8000' }))).toBe('refused');
  });

  it('guardHost: Host must be loopback, the bound address or PUBLIC_URL’s host; checked before the origin', () => {
    const policy = createOriginPolicy({ ...base, publicUrl: 'http://devbox.internal:8000', guardHost: true });
    for (const host of ['127.0.0.1:8000', 'localhost:8000', '[::1]:8000', '127.0.0.2', 'devbox.internal:8000', 'LOCALHOST'])
      expect(policy.host(req({ host })).kind, host).toBe('ok');
    for (const host of ['rebind.evil.example:8000', '10.0.0.5:8000', 'localhost.evil.example', ''])
      expect(policy.host(req({ host })).kind, host).toBe('refused');
    expect(policy.host(req({ host: '10.0.0.5:8000' }, '10.0.0.5')).kind).toBe('ok');
    const rebound = policy.check(req({ host: 'rebind.evil.example:8000', origin: 'http://devbox.internal:8000' }));
    expect(rebound).toMatchObject({ kind: 'refused', header: 'host' });
    expect(createOriginPolicy(base).host(req({ host: 'rebind.evil.example' })).kind).toBe('ok');
  });

  it('keeps refusal messages printable and short', () => {
    const refusal = createOriginPolicy(base).origin(req({ origin: `http://\u00ff${'x'.repeat(300)}` }));
    expect(refusal.kind).toBe('refused');
    if (refusal.kind !== 'refused') return;
    expect(refusal.message).toMatch(/^[\x20-\x7e]{1,90}$/);
    expect(refusal.value.length).toBeLessThanOrEqual(100);
  });
});
