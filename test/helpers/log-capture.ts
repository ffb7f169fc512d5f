/**
 * Captures every log line a test server writes, and every secret a test handles, so a suite can
 * assert that no token, cookie or secret ever reached a log line.
 */
import { Writable } from 'node:stream';
import { createLogger } from '../../src/http/log.js';

export interface LogCapture {
  readonly lines: string[];
  readonly logger: ReturnType<typeof createLogger>;
  /** Remembers a secret (token, cookie, key); JWTs are also remembered by their signature part. */
  secret(value: string | undefined | null): void;
  /** Secrets found in the captured lines (empty when clean). */
  leaks(): string[];
  /** Lines matching a pattern. */
  grep(pattern: RegExp): string[];
}

export function createLogCapture(): LogCapture {
  const lines: string[] = [];
  const secrets = new Set<string>();
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.length > 0) lines.push(line);
      done();
    },
  });
  return {
    lines,
    logger: createLogger({ debug: true, destination: stream }),
    secret(value) {
      if (value === undefined || value === null || value.length < 8) return;
      secrets.add(value);
      const parts = value.split('.');
      if (parts.length === 3 && (parts[2] ?? '').length >= 16) secrets.add(parts[2] as string);
      const decoded = decodeURIComponent(value);
      if (decoded !== value) secrets.add(decoded);
    },
    leaks() {
      const text = lines.join('\n');
      return [...secrets].filter((s) => text.includes(s));
    },
    grep: (pattern) => lines.filter((l) => pattern.test(l)),
  };
}
