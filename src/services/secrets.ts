/**
 * Job parameters whose names look like secrets are kept in the store only: every reader sees "[REDACTED]".
 *
 * A name is split into words at `_`, `-`, `.`, spaces, digits and camelCase humps (`SSH_Private_Key`
 * → ssh, private, key; `apiKey` → api, key), lower-cased, a plural `s` dropped. It is secret when a
 * word is one of SECRET_WORDS, or a word contains one of SECRET_STEMS (`accesstoken`, `dbpassword`).
 * Short words match whole only, so `keyboard_layout`, `author`, `bypass`, `spinner` or `monkey`
 * stay readable, while `sort_key` or `private_network` are redacted: hiding a harmless value from
 * readers costs little, showing a secret cannot be undone.
 */

export const REDACTED = '[REDACTED]';

/** Words that make a name secret when one of its words is exactly this (any case, plural too). */
export const SECRET_WORDS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'passphrase',
  'pass',
  'pw',
  'pwd',
  'pin',
  'otp',
  'secret',
  'token',
  'bearer',
  'jwt',
  'key',
  'apikey',
  'privkey',
  'sig',
  'signature',
  'hmac',
  'credential',
  'cred',
  'auth',
  'authorization',
  'cookie',
  'session',
  'private',
]);

/** Stems that make a name secret wherever they appear inside one of its words. */
export const SECRET_STEMS: readonly string[] = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'bearer',
  'credential',
  'cookie',
  'signature',
  'apikey',
  'privatekey',
  'accesskey',
  'sshkey',
  'authkey',
  'signingkey',
  'encryptionkey',
  'masterkey',
];

/** The lower-case words of a property name (see the header). */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])/g, ' ')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Whether a property of this name holds a secret. */
export function isSecretName(name: string): boolean {
  for (const word of nameWords(name)) {
    const singular = word.length > 3 && word.endsWith('s') ? word.slice(0, -1) : word;
    if (SECRET_WORDS.has(word) || SECRET_WORDS.has(singular)) return true;
    if (SECRET_STEMS.some((stem) => word.includes(stem))) return true;
  }
  return false;
}

/** A deep copy of `value` with the value of every secret-named property replaced by "[REDACTED]". */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [name, inner] of Object.entries(value)) out[name] = isSecretName(name) ? REDACTED : redact(inner);
  return out;
}

export function redactParameters(parameters: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return redact(parameters) as Record<string, unknown>;
}
