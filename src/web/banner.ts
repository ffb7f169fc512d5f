/** The connection banner: shown while the socket is down, with a countdown and "Reconnect now". */
import type { ConnectionStatus, StatusData } from '../client/index.js';
import { CloseCode } from '../protocol/codes.js';
import { byId } from './dom.js';

export interface BannerView {
  setStatus(status: ConnectionStatus, data: StatusData, pollIntervalMs: number): void;
  onReconnect(handler: () => void): void;
}

/** Why live updates stopped for good: an administrator's reason is shown as they wrote it (text, never HTML). */
function refusal(data: StatusData, pollSeconds: number): string {
  const polling = `Checking for new notifications every ${pollSeconds} s.`;
  const why = data.reason === undefined || data.reason === '' ? '' : `: ${data.reason}`;
  if (data.code === CloseCode.ADMIN_DISCONNECT) return `Disconnected by an administrator${why}. Live updates stay off until you reconnect. ${polling}`;
  if (data.code === CloseCode.ACCESS_REVOKED) return `Your access was revoked by an administrator${why}. ${polling}`;
  return `Live updates were refused: sign in again. ${polling}`;
}

function message(status: ConnectionStatus, data: StatusData, pollSeconds: number): string | null {
  switch (status) {
    case 'connected':
      return null;
    case 'connecting':
      return (data.attempt ?? 0) > 0 ? `Connection lost. Reconnecting (attempt ${data.attempt ?? 0} of ${data.maxAttempts ?? '?'})…` : null;
    case 'reconnecting':
      return `Connection lost. Reconnecting (attempt ${data.attempt ?? 0} of ${data.maxAttempts ?? '?'})`;
    case 'failed':
      return `Live updates are unavailable. Checking for new notifications every ${pollSeconds} s.`;
    case 'auth_failed':
      return refusal(data, pollSeconds);
    case 'disconnected':
      return 'Live updates are off.';
    default: {
      const never: never = status;
      return never;
    }
  }
}

export function createBanner(now: () => number = Date.now): BannerView {
  const banner = byId('banner');
  const text = byId('banner-text');
  const countdown = byId('banner-countdown');
  const button = byId<HTMLButtonElement>('reconnect');
  let ticker: ReturnType<typeof setInterval> | undefined;

  function stopTicker(): void {
    if (ticker !== undefined) clearInterval(ticker);
    ticker = undefined;
    countdown.textContent = '';
  }

  function startCountdown(at: number): void {
    const tick = (): void => {
      const seconds = Math.max(0, Math.ceil((at - now()) / 1000));
      countdown.textContent = `Next try in ${seconds} s.`;
    };
    tick();
    ticker = setInterval(tick, 250);
  }

  return {
    setStatus(status, data, pollIntervalMs) {
      stopTicker();
      const line = message(status, data, Math.round(pollIntervalMs / 1000));
      banner.hidden = line === null;
      banner.dataset.status = status;
      text.textContent = line ?? '';
      if (status === 'reconnecting' && data.nextAttemptAt !== undefined) startCountdown(data.nextAttemptAt);
    },
    onReconnect(handler) {
      button.addEventListener('click', handler);
    },
  };
}
