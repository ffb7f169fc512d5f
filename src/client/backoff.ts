/** Reconnection delays: exponential from `baseDelayMs` by `factor`, capped, shortened by jitter. */

export interface BackoffOptions {
  readonly baseDelayMs: number;
  readonly factor: number;
  readonly maxDelayMs: number;
  /** Fraction in [0, 1]: the delay is drawn from [nominal × (1 − jitter), nominal]. */
  readonly jitter: number;
}

/** The delay before reconnection attempt `attempt` (1-based) without jitter: 1 s, 1.5 s, 2.25 s … */
export function nominalDelayMs(attempt: number, options: BackoffOptions): number {
  const raw = options.baseDelayMs * options.factor ** Math.max(0, attempt - 1);
  return Math.min(options.maxDelayMs, raw);
}

/**
 * The delay to wait before attempt `attempt`, never above the nominal delay (so never above the
 * cap), so that a thousand tabs dropped together do not return in lockstep.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number): number {
  const nominal = nominalDelayMs(attempt, options);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(nominal * (1 - options.jitter * r));
}

/** Throws a TypeError naming the rule when backoff options cannot work. */
export function checkBackoffOptions(options: BackoffOptions): void {
  if (!(options.baseDelayMs >= 0)) throw new TypeError('baseDelayMs must be a number >= 0');
  if (!(options.factor >= 1)) throw new TypeError('backoffFactor must be a number >= 1');
  if (!(options.maxDelayMs >= options.baseDelayMs)) throw new TypeError('maxDelayMs must be >= baseDelayMs');
  if (!(options.jitter >= 0 && options.jitter <= 1)) throw new TypeError('jitter must be between 0 and 1');
}
