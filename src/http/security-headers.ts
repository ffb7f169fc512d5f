/**
 * Security headers on every response (`@fastify/helmet`): a strict Content-Security-Policy for the
 * page (scripts, styles and connections from the page's own origin only; `connect-src 'self'`
 * covers the same-origin `ws:`/`wss:` socket), `frame-ancestors 'none'` and `X-Frame-Options: DENY`
 * (no framing, so no clickjacking), `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`.
 * HSTS is left to the TLS-terminating proxy: this server speaks plain HTTP.
 */
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** The page's policy; the page has no inline script or style, and its favicon is `data:,`. */
export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const;

/** Registers the headers for every route registered after it. */
export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false,
  });
}
