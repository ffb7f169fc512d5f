/**
 * Origin policy for browser sockets and cookie-authenticated mutations. Allowed: the listed
 * ALLOWED_ORIGINS, or, when none are listed, the server's own origin (PUBLIC_URL, or the request's
 * Host). A request without an Origin header is not from a browser page.
 */
import type { IncomingMessage } from 'node:http';

export type OriginCheck = { readonly kind: 'none' } | { readonly kind: 'allowed'; readonly origin: string } | { readonly kind: 'refused'; readonly origin: string };

export interface OriginPolicy {
  check(request: IncomingMessage): OriginCheck;
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function createOriginPolicy(allowedOrigins: readonly string[], publicUrl: string | undefined): OriginPolicy {
  const allowed = new Set(allowedOrigins);
  const own = publicUrl === undefined ? undefined : new URL(publicUrl).origin;
  return {
    check(request) {
      const origin = headerOf(request, 'origin');
      if (origin === undefined) return { kind: 'none' };
      if (allowed.size > 0) return allowed.has(origin) ? { kind: 'allowed', origin } : { kind: 'refused', origin };
      if (own !== undefined) return origin === own ? { kind: 'allowed', origin } : { kind: 'refused', origin };
      const host = headerOf(request, 'host');
      let originHost: string | undefined;
      try {
        originHost = new URL(origin).host;
      } catch {
        originHost = undefined;
      }
      return host !== undefined && originHost === host ? { kind: 'allowed', origin } : { kind: 'refused', origin };
    },
  };
}
