/**
 * A chaos client: a raw WebSocket that resumes by URL after every drop and mirrors the inbox from
 * snapshots and events. It checks, per event, that offsets arrive once and in order, with gaps
 * only where a snapshot covers them.
 */
import WebSocket from 'ws';

export type Pos = { offset: number; epoch: string };
export interface Note {
  id: string;
  read: boolean;
  created_at: string;
  title: string;
}

export interface MirrorStats {
  events: number;
  duplicates: number;
  gaps: number;
  snapshots: number;
  reconnects: number;
  recovered: number;
  notRecovered: number;
  closes: Map<number, number>;
}

export interface Mirror {
  readonly id: number;
  readonly stats: MirrorStats;
  readonly state: Map<string, Note>;
  position(): Pos | undefined;
  /** Drops the connection abruptly (the mirror reconnects by itself). */
  drop(): void;
  /** Stops reading for `ms` (the server may close it as a slow consumer). */
  stall(ms: number): void;
  isOpen(): boolean;
  stop(): Promise<void>;
}

/** What every mirror keeps, whatever its transport: the inbox, the position, the checks. */
export interface MirrorCore {
  readonly state: Map<string, Note>;
  readonly stats: MirrorStats;
  position(): Pos | undefined;
  /** One server message. */
  handle(m: Record<string, unknown> & { type: string }): void;
}

export function createMirrorCore(id: number, onError: (message: string) => void): MirrorCore {
  const state = new Map<string, Note>();
  const stats: MirrorStats = { events: 0, duplicates: 0, gaps: 0, snapshots: 0, reconnects: 0, recovered: 0, notRecovered: 0, closes: new Map() };
  let position: Pos | undefined;

  function applySnapshot(data: { notifications?: Note[] }, pos: Pos): void {
    state.clear();
    for (const n of data.notifications ?? []) state.set(n.id, n);
    position = pos;
    stats.snapshots += 1;
  }

  function applyEvent(m: { action: string; data: Record<string, unknown>; offset: number }): void {
    if (position === undefined) return onError(`client ${id}: event ${m.offset} before any snapshot`);
    if (m.offset <= position.offset) {
      stats.duplicates += 1;
      return onError(`client ${id}: duplicate offset ${m.offset} (at ${position.offset})`);
    }
    // Every event of this harness is visible to its single user, so any jump is a lost event.
    if (m.offset !== position.offset + 1) {
      stats.gaps += 1;
      onError(`client ${id}: gap ${position.offset} → ${m.offset}`);
    }
    stats.events += 1;
    position = { offset: m.offset, epoch: position.epoch };
    const d = m.data;
    switch (m.action) {
      case 'created':
      case 'updated':
        state.set(d.id as string, d as unknown as Note);
        break;
      case 'deleted':
        state.delete(d.id as string);
        break;
      case 'all_read':
        for (const n of state.values()) if (d.before === null || n.created_at <= (d.before as string)) n.read = true;
        break;
      default:
        onError(`client ${id}: unknown action ${m.action}`);
    }
  }

  return {
    state,
    stats,
    position: () => position,
    handle(m) {
      if (m.type === 'initial_state') {
        const pos = (m.positions as Record<string, Pos>).notifications;
        if (pos !== undefined) applySnapshot(m.data as { notifications?: Note[] }, pos);
      } else if (m.type === 'resumed') {
        if (m.recovered) stats.recovered += 1;
        else stats.notRecovered += 1;
      } else if (m.type === 'notification') applyEvent(m as unknown as { action: string; data: Record<string, unknown>; offset: number });
      else if (m.type === 'error') onError(`client ${id}: server error ${JSON.stringify(m)}`);
    },
  };
}

export function createMirror(id: number, wsUrl: () => string, onError: (message: string) => void): Mirror {
  const core = createMirrorCore(id, onError);
  const { state, stats } = core;
  let ws: WebSocket | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;

  function connect(): void {
    if (stopped) return;
    const position = core.position();
    const query = position === undefined ? '' : `?resume=${encodeURIComponent(JSON.stringify({ notifications: position }))}`;
    const socket = new WebSocket(wsUrl() + query);
    ws = socket;
    socket.on('message', (raw) => core.handle(JSON.parse(raw.toString()) as Record<string, unknown> & { type: string }));
    socket.on('error', () => undefined);
    socket.on('close', (code) => {
      stats.closes.set(code, (stats.closes.get(code) ?? 0) + 1);
      if (ws !== socket || stopped) return;
      ws = undefined;
      stats.reconnects += 1;
      retry = setTimeout(connect, 20 + Math.floor(Math.random() * 80));
    });
  }
  connect();

  return {
    id,
    stats,
    state,
    position: () => core.position(),
    drop: () => ws?.terminate(),
    stall(ms) {
      const raw = (ws as unknown as { _socket?: { pause(): void; resume(): void } | null } | undefined)?._socket;
      if (raw === undefined || raw === null) return;
      raw.pause();
      setTimeout(() => raw.resume(), ms).unref();
    },
    isOpen: () => ws?.readyState === WebSocket.OPEN,
    async stop() {
      stopped = true;
      if (retry !== undefined) clearTimeout(retry);
      const socket = ws;
      if (socket === undefined || socket.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.terminate();
      });
    },
  };
}
