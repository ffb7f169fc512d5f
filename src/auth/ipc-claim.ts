/**
 * The used-ws-token set of a `WORKERS=N` cluster without Redis: a worker asks the primary to
 * claim a token id, so a token used on one worker is refused on every other.
 */
export interface JtiClaim {
  readonly aetherJti: number;
  readonly jti: string;
  readonly expiresAtMs: number;
}

export interface JtiClaimReply {
  readonly aetherJtiReply: number;
  readonly fresh: boolean;
}

export function isJtiClaim(message: unknown): message is JtiClaim {
  return typeof message === 'object' && message !== null && typeof (message as { aetherJti?: unknown }).aetherJti === 'number';
}

function isReply(message: unknown): message is JtiClaimReply {
  return typeof message === 'object' && message !== null && typeof (message as { aetherJtiReply?: unknown }).aetherJtiReply === 'number';
}

export interface IpcProcess {
  send?(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

const CLAIM_TIMEOUT_MS = 2000;

/** `claim` for createWsTokens over this worker's IPC channel; rejects when the primary does not answer. */
export function createIpcClaim(proc: IpcProcess): (jti: string, expiresAtMs: number) => Promise<boolean> {
  let nextId = 1;
  const pending = new Map<number, (fresh: boolean) => void>();
  proc.on('message', (message) => {
    if (!isReply(message)) return;
    pending.get(message.aetherJtiReply)?.(message.fresh);
    pending.delete(message.aetherJtiReply);
  });
  return (jti, expiresAtMs) =>
    new Promise<boolean>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('cluster primary did not answer the ws-token claim'));
      }, CLAIM_TIMEOUT_MS);
      pending.set(id, (fresh) => {
        clearTimeout(timer);
        resolve(fresh);
      });
      const request: JtiClaim = { aetherJti: id, jti, expiresAtMs };
      proc.send?.(request);
    });
}
