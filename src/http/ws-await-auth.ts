/**
 * In-band authentication: a socket opened without a credential must send
 * `{"type":"auth","token":…}` as its first frame within a timeout. Frames that arrive while the
 * token is checked (and until `onSuccess` has taken over the socket) are queued, never lost.
 */
import type { RawData, WebSocket } from 'ws';
import type { AuthResult } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { parseClientMessage } from '../protocol/index.js';

type Failure = Exclude<AuthResult, { ok: true }>;

export interface AwaitAuthOptions {
  readonly timeoutMs: number;
  readonly check: (token: string) => Promise<AuthResult>;
  readonly onFailure: (failure: Failure) => void;
  /** Takes over the socket; frames in `queued` arrived after the `auth` message, in order. */
  readonly onSuccess: (principal: Principal, queued: RawData[]) => Promise<void>;
  readonly onError: (err: unknown) => void;
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

export function awaitAuthMessage(ws: WebSocket, options: AwaitAuthOptions): void {
  const queued: RawData[] = [];
  let state: 'waiting' | 'checking' | 'done' = 'waiting';
  const timer = setTimeout(() => {
    if (state !== 'waiting') return;
    state = 'done';
    options.onFailure({ ok: false, reason: 'missing', message: 'no credential: send {"type":"auth","token":…} first, or connect with ?token=' });
  }, options.timeoutMs);
  timer.unref();
  const onFrame = (data: RawData, isBinary: boolean): void => {
    if (state === 'checking') {
      queued.push(data);
      return;
    }
    if (state !== 'waiting') return;
    clearTimeout(timer);
    const parsed = isBinary ? undefined : parseClientMessage(textOf(data));
    if (parsed === undefined || !parsed.ok || parsed.message.type !== 'auth') {
      state = 'done';
      options.onFailure({ ok: false, reason: 'missing', message: 'authenticate first: the first message must be {"type":"auth","token":…}' });
      return;
    }
    state = 'checking';
    options.check(parsed.message.token)
      .then(async (result) => {
        if (!result.ok) {
          state = 'done';
          return options.onFailure(result);
        }
        if (ws.readyState === ws.OPEN) await options.onSuccess(result.principal, queued);
        state = 'done';
      })
      .catch(options.onError)
      .finally(() => ws.off('message', onFrame));
  };
  ws.on('message', onFrame);
  ws.on('close', () => clearTimeout(timer));
}
