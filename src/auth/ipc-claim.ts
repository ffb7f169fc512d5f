/**
 * The used-ws-token set of a `WORKERS=N` cluster without Redis: a worker asks the primary to
 * claim a token id, so a token used on one worker is refused on every other.
 */
import { createIpcRequester, type IpcProcess } from '../ipc-request.js';

export const JTI_CLAIM = 'jti-claim';
const CLAIM_TIMEOUT_MS = 2000;

interface JtiClaim {
  readonly jti: string;
  readonly expiresAtMs: number;
}

function isJtiClaim(body: unknown): body is JtiClaim {
  if (typeof body !== 'object' || body === null) return false;
  const { jti, expiresAtMs } = body as Record<string, unknown>;
  return typeof jti === 'string' && typeof expiresAtMs === 'number';
}

/** `claim` for createWsTokens over this worker's IPC channel; rejects when the primary does not answer. */
export function createIpcClaim(proc: IpcProcess): (jti: string, expiresAtMs: number) => Promise<boolean> {
  const ask = createIpcRequester(proc, JTI_CLAIM, CLAIM_TIMEOUT_MS);
  return async (jti, expiresAtMs) => {
    const claim: JtiClaim = { jti, expiresAtMs };
    const fresh = await ask(claim);
    if (typeof fresh !== 'boolean') throw new Error('cluster primary answered the ws-token claim with something else');
    return fresh;
  };
}

/** The primary's side: a set of used token ids, each kept until its token expires. */
export function createJtiRegistry(now: () => number = Date.now): (body: unknown) => boolean {
  const used = new Map<string, number>();
  return (body) => {
    if (!isJtiClaim(body)) throw new Error('expected {jti, expiresAtMs}');
    const at = now();
    for (const [jti, exp] of used) if (exp <= at) used.delete(jti);
    if (used.has(body.jti)) return false;
    used.set(body.jti, body.expiresAtMs);
    return true;
  };
}
