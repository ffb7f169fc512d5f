/**
 * Worker ↔ primary requests (src/ipc-request.ts) over a real message channel: answers, errors,
 * unknown kinds, timeouts; and the primary's used-ws-token registry behind `jti-claim`.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createIpcClaim, createJtiRegistry } from '../../src/auth/ipc-claim.js';
import { answerIpcRequest, createIpcRequester, isIpcRequest, type IpcHandlers, type IpcProcess } from '../../src/ipc-request.js';

const ports: MessagePort[] = [];
afterEach(() => {
  for (const p of ports.splice(0)) p.close();
});

function asProcess(port: MessagePort): IpcProcess {
  return {
    send: (message) => {
      port.postMessage(message);
      return true;
    },
    on: (_event, listener) => port.on('message', listener),
  };
}

/** A worker end and a primary end answering with `handlers` (or not at all, when undefined). */
function link(handlers: IpcHandlers | undefined): IpcProcess {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  if (handlers !== undefined) {
    port2.on('message', (message: unknown) => {
      if (isIpcRequest(message)) void answerIpcRequest(message, handlers, (reply) => port2.postMessage(reply));
    });
  }
  return asProcess(port1);
}

describe('IPC requests between a worker and the primary', () => {
  it('resolves with the handler’s answer, matching concurrent requests to their replies', async () => {
    const worker = link({ double: async (body) => (body as number) * 2 });
    const ask = createIpcRequester(worker, 'double', 1000);
    expect(await Promise.all([ask(1), ask(2), ask(21)])).toEqual([2, 4, 42]);
  });

  it('rejects with the handler’s error', async () => {
    const worker = link({
      broken: () => {
        throw new Error('disk on fire');
      },
    });
    await expect(createIpcRequester(worker, 'broken', 1000)(null)).rejects.toThrow('cluster primary: broken: disk on fire');
  });

  it('rejects a kind the primary does not know', async () => {
    const worker = link({});
    await expect(createIpcRequester(worker, 'nonsense', 1000)(null)).rejects.toThrow('unknown request "nonsense"');
  });

  it('rejects when the primary does not answer in time', async () => {
    const worker = link(undefined);
    await expect(createIpcRequester(worker, 'metrics', 50)(null)).rejects.toThrow('did not answer the metrics request within 50 ms');
  });

  it('rejects at once without an IPC channel', async () => {
    await expect(createIpcRequester({ on: () => undefined }, 'metrics', 1000)(null)).rejects.toThrow('no IPC channel');
  });

  it('claims a ws-token id once across workers, until it expires', async () => {
    let now = 1_000;
    const registry = createJtiRegistry(() => now);
    const handlers = { 'jti-claim': registry };
    const a = createIpcClaim(link(handlers));
    const b = createIpcClaim(link(handlers));
    expect(await a('t1', 2_000)).toBe(true);
    expect(await b('t1', 2_000)).toBe(false);
    expect(await b('t2', 2_000)).toBe(true);
    now = 2_000; // t1 expired: forgotten, so the set stays bounded
    expect(await a('t1', 3_000)).toBe(true);
    expect(() => registry({ jti: 5 })).toThrow('expected {jti, expiresAtMs}');
  });
});
