/** Reading single variables: each fails fast with the variable's name on a bad value. */
import { AppError } from '../shared/errors.js';

export type Env = Readonly<Record<string, string | undefined>>;

export function fail(name: string, message: string): never {
  throw new AppError('config_invalid', `${name}: ${message}`);
}

export function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  return fail(name, `expected true or false, got ${JSON.stringify(env[name])}`);
}

export function readInt(env: Env, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw)) return fail(name, `expected an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) return fail(name, `expected an integer from ${min} to ${max}, got ${value}`);
  return value;
}

export function readOptional(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

export function readUrl(env: Env, name: string): string | undefined {
  const raw = readOptional(env, name);
  if (raw === undefined) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(name, `expected an http(s) URL, got ${JSON.stringify(raw)}`);
  } catch {
    return fail(name, `expected an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return raw.replace(/\/+$/, '');
}

/** Hosts that only this machine can reach. */
export const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
