/**
 * The condition a failed job raises: one per job type and parameters, so failing again counts on
 * the same entry and a later job of the same type and parameters that completes (a retry)
 * resolves it. The parameters enter as a hash: secret values never reach a key.
 */
import { createHash } from 'node:crypto';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** `job:<type>:<16 hex of sha256(type + canonical parameters)>:failed`. */
export function jobFailedKey(type: string, parameters: Readonly<Record<string, unknown>>): string {
  const hash = createHash('sha256')
    .update(`${type}\n${canonical(parameters)}`)
    .digest('hex')
    .slice(0, 16);
  return `job:${type}:${hash}:failed`;
}
