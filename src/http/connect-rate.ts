/**
 * The server-wide budget of new connections per second (WS_MAX_CONNECT_RATE), one for /ws and
 * /sse together, so that a client cannot have it twice by using both transports.
 */
import { RateLimiterMemory } from 'rate-limiter-flexible';

export interface ConnectRate {
  /** True when this second's budget had room (and takes one); false when it is spent. */
  take(): Promise<boolean>;
}

/** `perSecond` 0 or less: unlimited. */
export function createConnectRate(perSecond: number): ConnectRate {
  if (perSecond <= 0) return { take: () => Promise.resolve(true) };
  const limiter = new RateLimiterMemory({ points: perSecond, duration: 1 });
  return {
    async take() {
      try {
        await limiter.consume('connect');
        return true;
      } catch {
        return false;
      }
    },
  };
}
