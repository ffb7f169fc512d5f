/**
 * A chaos client over Server-Sent Events that reconnects as a browser's EventSource does: the same
 * URL, with the last event id as `Last-Event-ID`, and nothing else. The checks are the WebSocket
 * mirror's (mirror.ts): every offset once, in order, gaps only under a snapshot.
 */
import http from 'node:http';
import { createMirrorCore, type Mirror } from './mirror.js';

export function createSseMirror(id: number, baseUrl: () => string, onError: (message: string) => void): Mirror {
  const core = createMirrorCore(id, onError);
  const { stats } = core;
  let request: http.ClientRequest | undefined;
  let response: http.IncomingMessage | undefined;
  let lastId: string | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  function block(text: string): void {
    let data = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('id: ')) lastId = line.slice(4);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (data === '') return;
    const m = JSON.parse(data) as Record<string, unknown> & { type: string };
    if (m.type === 'close') stats.closes.set(m.code as number, (stats.closes.get(m.code as number) ?? 0) + 1);
    else core.handle(m);
  }

  function connect(): void {
    if (stopped) return;
    const headers: Record<string, string> = lastId === undefined ? {} : { 'last-event-id': lastId };
    let ended = false;
    const req = http.get(`${baseUrl()}/sse?topics=notifications`, { headers, agent: false }, (res) => {
      if (req !== request) return void res.destroy();
      response = res;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          block(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      res.on('error', () => undefined);
      res.on('close', down);
    });
    request = req;
    req.on('error', () => undefined);
    req.on('close', down);
    function down(): void {
      if (ended) return;
      ended = true;
      if (request !== req || stopped) return;
      request = response = undefined;
      stats.reconnects += 1;
      retry = setTimeout(connect, 20 + Math.floor(Math.random() * 80));
    }
  }
  connect();

  return {
    id,
    stats,
    state: core.state,
    position: () => core.position(),
    drop: () => request?.destroy(),
    stall(ms) {
      const res = response;
      if (res === undefined) return;
      res.pause();
      setTimeout(() => res.resume(), ms).unref();
    },
    isOpen: () => response !== undefined && !response.destroyed && response.statusCode === 200,
    async stop() {
      stopped = true;
      if (retry !== undefined) clearTimeout(retry);
      const req = request;
      if (req === undefined || req.destroyed) return;
      await new Promise<void>((resolve) => {
        req.once('close', () => resolve());
        req.destroy();
      });
    },
  };
}
