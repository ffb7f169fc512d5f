/** Small validators for request bodies and query strings, from unknown, collecting field errors. */
import { clipQuoted } from '../protocol/index.js';
import { validationError, type FieldError } from '../shared/errors.js';

/**
 * How a validation message quotes a received value: short strings and numbers verbatim (cut like
 * every quote of client input, protocol/parse.ts `clipQuoted`), anything else by its kind. Never the whole input, and never a recursive walk of it.
 */
export function quoteValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(clipQuoted(value));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type Checker = ReturnType<typeof createChecker>;

/** Collects field errors; `done()` throws one validation error listing all of them. */
export function createChecker(): {
  readonly errors: FieldError[];
  string(field: string, value: unknown, opts: { max: number; optional?: boolean; min?: number }): string | undefined;
  oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback?: T): T | undefined;
  object(field: string, value: unknown, maxBytes: number): Record<string, unknown> | undefined;
  int(field: string, value: unknown, opts: { min: number; max: number; optional?: boolean }): number | undefined;
  bool(field: string, value: unknown, optional?: boolean): boolean | undefined;
  done(): void;
} {
  const errors: FieldError[] = [];
  return {
    errors,
    string(field, value, { max, optional = false, min = 1 }) {
      if (value === undefined || value === null) {
        if (!optional) errors.push({ field, message: 'is required' });
        return undefined;
      }
      if (typeof value !== 'string') {
        errors.push({ field, message: `must be a string, got ${Array.isArray(value) ? 'array' : typeof value}` });
        return undefined;
      }
      const trimmed = value.trim();
      if (trimmed.length < min) errors.push({ field, message: min === 1 ? 'must not be empty' : `must be at least ${min} characters` });
      else if (value.length > max) errors.push({ field, message: `must be at most ${max} characters, got ${value.length}` });
      return value;
    },
    oneOf(field, value, allowed, fallback) {
      if (value === undefined && fallback !== undefined) return fallback;
      if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as (typeof allowed)[number];
      errors.push({ field, message: `must be one of ${allowed.join(', ')}, got ${quoteValue(value)}` });
      return undefined;
    },
    object(field, value, maxBytes) {
      if (value === undefined || value === null) return undefined;
      if (!isRecord(value)) {
        errors.push({ field, message: 'must be a JSON object' });
        return undefined;
      }
      if (JSON.stringify(value).length > maxBytes) errors.push({ field, message: `must serialise to at most ${maxBytes} bytes` });
      return value;
    },
    int(field, value, { min, max, optional = false }) {
      if (value === undefined || value === null) {
        if (!optional) errors.push({ field, message: 'is required' });
        return undefined;
      }
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
        errors.push({ field, message: `must be an integer from ${min} to ${max}, got ${quoteValue(value)}` });
        return undefined;
      }
      return value;
    },
    bool(field, value, optional = true) {
      if (value === undefined || value === null) {
        if (!optional) errors.push({ field, message: 'is required' });
        return undefined;
      }
      if (typeof value !== 'boolean') {
        errors.push({ field, message: `must be true or false, got ${typeof value}` });
        return undefined;
      }
      return value;
    },
    done() {
      if (errors.length > 0) throw validationError(errors);
    },
  };
}

/** Parses a boolean query parameter (`true`/`false`/`1`/`0`). */
export function parseBoolParam(field: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw validationError([{ field, message: `must be true or false, got ${quoteValue(value)}` }]);
}

/** Parses an integer query parameter within bounds. */
export function parseIntParam(field: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw validationError([{ field, message: `must be an integer from ${min} to ${max}, got ${quoteValue(value)}` }]);
  }
  return n;
}

/** Parses an ISO-8601 timestamp and normalises it to UTC `…Z`. */
export function parseTimestamp(field: string, value: unknown): string {
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms)) throw validationError([{ field, message: `must be an ISO-8601 timestamp, got ${quoteValue(value)}` }]);
  return new Date(ms).toISOString();
}
