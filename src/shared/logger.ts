/** The logger every layer takes (pino satisfies it); part of the shared kernel, imports nothing. */
/** Minimal structured logger (pino-compatible). */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
