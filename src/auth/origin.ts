/**
 * Origin and Host policy, the same in every auth mode.
 *
 * Origin: browser sockets and browser mutations must come from an allowed origin: the listed
 * ALLOWED_ORIGINS or, when none are listed, the server's own origin, compared by scheme, host and
 * port. The own origin is PUBLIC_URL's, or without it `http://<address>:<port>` of the address the
 * connection reached (with `localhost`, `127.0.0.1` and `[::1]` when that address is loopback);
 * never the request's `Host`, which the page's author controls (a forged or rebound Host would
 * otherwise make any origin "own"). A request without an Origin header is not from a browser page.
 *
 * Host (development auth only, `guardHost`): the Host header must name this server (`localhost`,
 * a loopback address, the address the connection reached, or PUBLIC_URL's host). A DNS-rebinding
 * page reaches a loopback server under the attacker's own name, so its Host gives it away.
 */
import type { IncomingMessage } from 'node:http';
import net from 'node:net';

/** Why a request was refused, with a message safe to show to the caller. */
export interface Refusal {
  readonly kind: 'refused';
  /** Which header was refused. */
  readonly header: 'origin' | 'host';
  /** The header's value, cut to 100 characters. */
  readonly value: string;
  readonly message: string;
}

export type OriginCheck = { readonly kind: 'none' } | { readonly kind: 'allowed'; readonly origin: string } | Refusal;

export type HostCheck = { readonly kind: 'ok' } | Refusal;

export interface OriginPolicyOptions {
  /** ALLOWED_ORIGINS, already normalised to `scheme://host[:port]`; empty = the own origin. */
  readonly allowedOrigins: readonly string[];
  /** PUBLIC_URL: the own origin, and a name the Host header may carry. */
  readonly publicUrl: string | undefined;
  /** Refuse requests whose Host does not name this server (development auth: DNS rebinding). */
  readonly guardHost: boolean;
}

export interface OriginPolicy {
  /** The Origin header against the allowed origins: `none` without one, else allowed or refused. */
  origin(request: IncomingMessage): OriginCheck;
  /** With `guardHost`, whether the Host header names this server; always `ok` without it. */
  host(request: IncomingMessage): HostCheck;
  /** Host, then Origin: what a /ws upgrade must pass. */
  check(request: IncomingMessage): OriginCheck;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `scheme://host[:port]` with default ports dropped and the host lower-cased; undefined if not a URL. */
function normalOrigin(text: string): string | undefined {
  try {
    const origin = new URL(text).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/** `::ffff:127.0.0.1` → `127.0.0.1`; IPv6 in brackets, as a URL's hostname has it. */
function urlHostOf(address: string): string {
  const unmapped = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  return net.isIPv6(unmapped) ? `[${unmapped}]` : unmapped;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** The address this connection reached, as a URL hostname; undefined for a fake socket (inject()). */
function localHost(request: IncomingMessage): string | undefined {
  const address = request.socket.localAddress;
  return address === undefined ? undefined : urlHostOf(address);
}

/** The own origins of a server without PUBLIC_URL: plain HTTP on the address and port this connection reached. */
function boundOrigins(request: IncomingMessage): string[] {
  const host = localHost(request);
  const port = request.socket.localPort;
  if (host === undefined || port === undefined) return [];
  const hosts = isLoopback(host) ? [host, ...LOOPBACK_NAMES] : [host];
  return hosts.map((h) => normalOrigin(`http://${h}:${port}`)).filter((o): o is string => o !== undefined);
}

/** Header values are the caller's: printable ASCII only, and short, in logs and close reasons (≤ 123 bytes). */
function shown(value: string, max: number): string {
  return value.slice(0, max).replace(/[^\x20-\x7e]/g, '?');
}

function refusal(header: Refusal['header'], value: string, message: (shown: string) => string): Refusal {
  return { kind: 'refused', header, value: shown(value, 100), message: message(shown(value, 60)) };
}

/** Builds the policy; see the module comment for the rules. */
export function createOriginPolicy(options: OriginPolicyOptions): OriginPolicy {
  const allowed = new Set(options.allowedOrigins);
  const own = options.publicUrl === undefined ? undefined : normalOrigin(options.publicUrl);
  const publicHost = options.publicUrl === undefined ? undefined : new URL(options.publicUrl).hostname;

  function isAllowed(origin: string, request: IncomingMessage): boolean {
    if (allowed.size > 0) return allowed.has(origin);
    if (own !== undefined) return origin === own;
    return boundOrigins(request).includes(origin);
  }

  const policy: OriginPolicy = {
    origin(request) {
      const header = headerOf(request, 'origin');
      if (header === undefined) return { kind: 'none' };
      const origin = normalOrigin(header);
      if (origin !== undefined && isAllowed(origin, request)) return { kind: 'allowed', origin };
      return refusal('origin', header, (value) => `origin ${value} is not allowed`);
    },
    host(request) {
      const header = headerOf(request, 'host');
      if (!options.guardHost || header === undefined) return { kind: 'ok' };
      let hostname: string | undefined;
      try {
        hostname = new URL(`http://${header}`).hostname;
      } catch {
        hostname = undefined;
      }
      if (hostname !== undefined && (isLoopback(hostname) || hostname === localHost(request) || hostname === publicHost)) return { kind: 'ok' };
      return refusal('host', header, (value) => `host ${value} is not this server (development mode: a loopback name or PUBLIC_URL)`);
    },
    check(request) {
      const host = policy.host(request);
      return host.kind === 'refused' ? host : policy.origin(request);
    },
  };
  return policy;
}
