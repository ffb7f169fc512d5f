/** Job parameters whose names look like secrets are kept in the store only: every reader sees "[REDACTED]". */

export const REDACTED = '[REDACTED]';

/** Names treated as secrets (any case, anywhere in the name): password, passphrase, secret, token, key, credential, auth, cookie, private. */
export const SECRET_NAME = /pass(word|wd|phrase)?|pwd|secret|token|key|credential|auth|cookie|private/i;

/** A deep copy of `value` with the value of every secret-named property replaced by "[REDACTED]". */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value)) out[name] = SECRET_NAME.test(name) ? REDACTED : redact(inner);
  return out;
}

export function redactParameters(parameters: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return redact(parameters) as Record<string, unknown>;
}
