/**
 * The one error type of the server. A code says what went wrong; the table maps it to an HTTP
 * status and whether a retry may succeed. Messages are safe to show to the caller.
 */

export const ERROR_TABLE = {
  validation_failed: { status: 400, retryable: false },
  invalid_json: { status: 400, retryable: false },
  invalid_cursor: { status: 400, retryable: false },
  unauthorized: { status: 401, retryable: false },
  forbidden: { status: 403, retryable: false },
  not_found: { status: 404, retryable: false },
  conflict: { status: 409, retryable: false },
  payload_too_large: { status: 413, retryable: false },
  unsupported_media_type: { status: 415, retryable: false },
  rate_limited: { status: 429, retryable: true },
  internal: { status: 500, retryable: true },
  unavailable: { status: 503, retryable: true },
  config_invalid: { status: 500, retryable: false },
} as const;

export type ErrorKind = keyof typeof ERROR_TABLE;

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorKind,
    message: string,
    readonly fields: readonly FieldError[] = [],
    options?: { cause?: unknown; headers?: Readonly<Record<string, string>> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.headers = options?.headers ?? {};
  }
  readonly headers: Readonly<Record<string, string>>;

  get status(): number {
    return ERROR_TABLE[this.code].status;
  }
  get retryable(): boolean {
    return ERROR_TABLE[this.code].retryable;
  }
}

/** A validation error listing every field that failed, e.g. `title: must be a non-empty string`. */
export function validationError(fields: readonly FieldError[]): AppError {
  const detail = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return new AppError('validation_failed', detail, fields);
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
