/** Cookie parsing and serialising, and HMAC signing of cookie values with SESSION_SECRET_KEY. */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'aether_session';
export const LOGIN_COOKIE = 'aether_login';

/** Parses a `Cookie` header. Later duplicates do not override the first value. */
export function parseCookies(header: string | undefined): ReadonlyMap<string, string> {
  const result = new Map<string, string>();
  if (header === undefined) return result;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!result.has(name)) result.set(name, part.slice(eq + 1).trim());
  }
  return result;
}

export interface CookieOptions {
  readonly maxAgeSec?: number;
  readonly secure: boolean;
  readonly path?: string;
}

/** A `Set-Cookie` value: always HttpOnly and SameSite=Lax; Secure over HTTPS. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${options.path ?? '/'}`, 'HttpOnly', 'SameSite=Lax'];
  if (options.maxAgeSec !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAgeSec))}`);
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

function mac(secret: string, purpose: string, value: string): string {
  return createHmac('sha256', secret).update(`${purpose}\u0000${value}`).digest('base64url');
}

/** `value.mac`, where the MAC binds the value to `purpose` (a session cookie cannot pass as a login cookie). */
export function sign(secret: string, purpose: string, value: string): string {
  return `${value}.${mac(secret, purpose, value)}`;
}

/** The value of a signed string, or undefined when the MAC does not match. Constant-time. */
export function unsign(secret: string, purpose: string, signed: string): string | undefined {
  const dot = signed.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const value = signed.slice(0, dot);
  const given = Buffer.from(signed.slice(dot + 1));
  const expected = Buffer.from(mac(secret, purpose, value));
  return given.length === expected.length && timingSafeEqual(given, expected) ? value : undefined;
}
