/**
 * Request and reply between a `WORKERS=N` worker and the cluster primary over the IPC channel:
 * the worker sends `{aetherRequest: kind, id, body}` and waits, bounded, for
 * `{aetherReply: kind, id, ok, body | error}`. The primary answers with `answerIpcRequest`.
 */

export interface IpcProcess {
  send?(message: unknown): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export interface IpcRequest {
  readonly aetherRequest: string;
  readonly id: number;
  readonly body: unknown;
}

export interface IpcReply {
  readonly aetherReply: string;
  readonly id: number;
  readonly ok: boolean;
  readonly body?: unknown;
  readonly error?: string;
}

const isObject = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;

export function isIpcRequest(message: unknown): message is IpcRequest {
  return isObject(message) && typeof message.aetherRequest === 'string' && typeof message.id === 'number';
}

function isIpcReply(message: unknown): message is IpcReply {
  return isObject(message) && typeof message.aetherReply === 'string' && typeof message.id === 'number' && typeof message.ok === 'boolean';
}

/** Asks the primary for `kind`; rejects when it answers with an error or not within `timeoutMs`. */
export function createIpcRequester(proc: IpcProcess, kind: string, timeoutMs: number): (body: unknown) => Promise<unknown> {
  let nextId = 1;
  const pending = new Map<number, (reply: IpcReply) => void>();
  proc.on('message', (message) => {
    if (!isIpcReply(message) || message.aetherReply !== kind) return;
    pending.get(message.id)?.(message);
    pending.delete(message.id);
  });
  return (body) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`cluster primary did not answer the ${kind} request within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply.body);
        else reject(new Error(`cluster primary: ${kind}: ${reply.error ?? 'failed'}`));
      });
      const request: IpcRequest = { aetherRequest: kind, id, body };
      if (proc.send?.(request) === undefined) {
        clearTimeout(timer);
        pending.delete(id);
        reject(new Error('not a cluster worker: no IPC channel'));
      }
    });
}

export type IpcHandlers = Readonly<Record<string, (body: unknown) => unknown>>;

/** Answers one request with its kind's handler; an unknown kind or a failing handler answers an error. */
export async function answerIpcRequest(request: IpcRequest, handlers: IpcHandlers, reply: (message: IpcReply) => void): Promise<void> {
  const handler = Object.hasOwn(handlers, request.aetherRequest) ? handlers[request.aetherRequest] : undefined;
  const base = { aetherReply: request.aetherRequest, id: request.id };
  if (handler === undefined) return reply({ ...base, ok: false, error: `unknown request ${JSON.stringify(request.aetherRequest)}` });
  try {
    reply({ ...base, ok: true, body: await handler(request.body) });
  } catch (err) {
    reply({ ...base, ok: false, error: err instanceof Error ? err.message : String(err) });
  }
}
