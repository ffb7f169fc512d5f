/**
 * Load-generator child process for S8 (jitter) and S9 (rolling deploy): clients that lose their
 * connection and come back the way their client library does, each tracking exactly what it got.
 *
 * Every client parses every event and keeps, by the publisher's index `metadata.i`, which events
 * it received (distinct, duplicates), whether the server's `offset` ever went backwards
 * (out of order), its outages (close → ready again) and, after each reconnect, how long until it
 * had the newest event this process had seen when it started reconnecting (replay time).
 *
 * Resume, per library: ours as src/client does (`resume` in the URL with the last offset applied
 * and the epoch); Socket.IO with recovery sends its `pid` and last packet offset in the CONNECT
 * packet; the others simply reconnect. A reconnect after a close the client did not cause waits
 * the library's backoff (ours: src/client defaults; Socket.IO: socket.io-client defaults).
 *
 * Driven over IPC like worker.mjs: {id, cmd, ...} → {id, ...reply}.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { LeanConn } from './lean-ws.mjs';

const nowMs = () => performance.timeOrigin + performance.now();
const rand = (lo, hi) => lo + Math.random() * (hi - lo);

/** @type {ReturnType<typeof makeClient>[]} */
let clients = [];
let opts = null;
let maxSeen = -1; // newest event index any client here has received: "the head" for replay time
let churning = false;
/** This process's own event-loop delay once its clients are connected (S8: from the churn's start): a replay tail with a late client loop is the client's. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
/** Why dials failed (closed before the client was up): the socket error's code, or the close code. */
const failures = new Map();

function reply(id, body) {
  process.send?.({ id, ...body });
}

/** Reconnect delay of attempt n (1-based) by each library's defaults. */
function backoffMs(n) {
  const b = opts.backoff;
  const nominal = Math.min(b.maxMs, b.baseMs * b.factor ** (n - 1));
  return b.kind === 'socket.io' ? nominal * (1 + b.jitter * (Math.random() * 2 - 1)) : nominal * (1 - b.jitter * Math.random());
}

function makeClient(g) {
  return {
    g,
    up: false,
    everUp: false,
    attempt: 0,
    epoch: null,
    lastOffset: -1, // the highest `offset` applied (resume position and order check)
    pid: null, // Socket.IO recovery
    sioOffset: null,
    seen: new Uint8Array(1024),
    distinct: 0,
    dups: 0,
    outOfOrder: 0,
    downSince: 0,
    downtimeMs: 0,
    outages: 0,
    failedDials: 0,
    replayFrom: 0,
    replayTarget: -1,
    replays: [],
    openAt: 0, // when this dial's 101 arrived: a replay splits into dial → 101 and 101 → caught up
    replayOpen: [],
    /** @type {NodeJS.Timeout | undefined} */
    dropTimer: undefined,
    /** @type {NodeJS.Timeout | undefined} */
    retryTimer: undefined,
    /** @type {LeanConn | null} */
    conn: null,
  };
}

function pathFor(c) {
  let p = `${opts.prefix}topics=notifications`;
  if (opts.resume === 'ours' && c.epoch !== null)
    p += `&resume=${encodeURIComponent(JSON.stringify({ notifications: { offset: c.lastOffset, epoch: c.epoch } }))}`;
  return p;
}

function markUp(c) {
  if (c.up) return;
  c.up = true;
  c.attempt = 0;
  if (c.everUp) {
    c.downtimeMs += nowMs() - c.downSince;
    if (c.replayTarget >= 0 && seenAt(c, c.replayTarget)) finishReplay(c);
  }
  c.everUp = true;
  scheduleDrop(c);
}

const seenAt = (c, i) => i < c.seen.length && c.seen[i] === 1;

/** The newest event index the client holds, -1 for none. */
function lastSeen(c) {
  for (let i = c.seen.length - 1; i >= 0; i--) if (c.seen[i] === 1) return i;
  return -1;
}

function finishReplay(c) {
  c.replays.push(nowMs() - c.replayFrom);
  c.replayOpen.push(c.openAt >= c.replayFrom ? c.openAt - c.replayFrom : 0);
  c.replayTarget = -1;
}

function onEvent(c, ev, sioOffset) {
  const i = ev?.data?.metadata?.i;
  if (typeof i !== 'number') return;
  if (sioOffset !== undefined) c.sioOffset = sioOffset;
  if (i >= c.seen.length) {
    const grown = new Uint8Array(Math.max(i + 1, c.seen.length * 2));
    grown.set(c.seen);
    c.seen = grown;
  }
  if (c.seen[i] === 1) c.dups++;
  else {
    c.seen[i] = 1;
    c.distinct++;
  }
  if (typeof ev.offset === 'number') {
    if (ev.offset < c.lastOffset) c.outOfOrder++;
    else c.lastOffset = ev.offset;
  }
  if (i > maxSeen) maxSeen = i;
  if (c.replayTarget >= 0 && i >= c.replayTarget) finishReplay(c);
}

function onWsText(c, text) {
  const msg = JSON.parse(text);
  if (msg.type === 'notification') return onEvent(c, msg);
  if (msg.type === 'initial_state') {
    const pos = msg.positions?.notifications;
    if (pos) {
      c.epoch = pos.epoch;
      c.lastOffset = pos.offset;
    }
    markUp(c);
  } else if (msg.type === 'resumed') {
    if (msg.recovered) c.epoch = msg.position.epoch;
    markUp(c);
  }
}

function onSioText(c, text) {
  if (text === '2') return c.conn.send('3');
  if (text.startsWith('0')) {
    // engine.io open: the Socket.IO CONNECT, with the recovery session when there is one.
    const auth = opts.resume === 'socket.io' && c.pid !== null && c.sioOffset !== null ? JSON.stringify({ pid: c.pid, offset: c.sioOffset }) : '';
    return c.conn.send(`40${auth}`);
  }
  if (text.startsWith('40')) {
    const ack = text.length > 2 ? JSON.parse(text.slice(2)) : {};
    if (typeof ack.pid === 'string') c.pid = ack.pid;
    return markUp(c);
  }
  if (!text.startsWith('42')) return;
  const arr = JSON.parse(text.slice(2));
  if (arr[0] === 'notification') onEvent(c, arr[1], arr.length > 2 && typeof arr[arr.length - 1] === 'string' ? arr[arr.length - 1] : undefined);
}

function dial(c) {
  c.retryTimer = undefined;
  const conn = new LeanConn({
    host: opts.host,
    port: opts.port,
    path: pathFor(c),
    headers: opts.headers,
    onOpen: () => {
      if (c.conn === conn) c.openAt = nowMs();
    },
    onText: (_conn, buf, s, e) => {
      if (c.conn !== conn) return;
      const text = buf.toString('utf8', s, e);
      if (opts.protocol === 'sio') onSioText(c, text);
      else onWsText(c, text);
    },
    onClose: (_conn, code, err) => {
      if (c.conn !== conn) return;
      c.conn = null;
      if (!c.up) {
        c.failedDials++;
        const why = /** @type {any} */ (err)?.code ?? String(code);
        failures.set(why, (failures.get(why) ?? 0) + 1);
      }
      lost(c);
      c.attempt++;
      if (!c.stopped) c.retryTimer = setTimeout(() => dial(c), backoffMs(c.attempt));
    },
    wantPayload: () => true,
  });
  c.conn = conn;
}

/** The connection is gone: the outage starts and the replay target is fixed. */
function lost(c) {
  clearTimeout(c.dropTimer);
  if (!c.up) return;
  c.up = false;
  c.outages++;
  c.downSince = nowMs();
  c.replayTarget = -1;
}

function startReconnect(c) {
  c.replayFrom = nowMs();
  c.replayTarget = maxSeen > lastSeen(c) ? maxSeen : -1;
  dial(c);
}

/** S8: the TCP connection is destroyed (no close frame) at a random moment, and stays down a while. */
function scheduleDrop(c) {
  clearTimeout(c.dropTimer);
  if (!churning || opts.dropEveryMs === undefined) return;
  c.dropTimer = setTimeout(
    () => {
      if (!churning || !c.up || c.conn === null) return;
      const conn = c.conn;
      c.conn = null;
      conn.destroy();
      lost(c);
      c.retryTimer = setTimeout(() => startReconnect(c), rand(...opts.offlineMs));
    },
    rand(...opts.dropEveryMs),
  );
}

function stats(exclude) {
  const skip = new Set(exclude);
  return clients.map((c) => {
    let missed = 0;
    /** The first few events this client never got (by publish index): which events were lost, not only how many. */
    const missedIndexes = [];
    for (let i = 0; i < opts.expected; i++)
      if (!skip.has(i) && !seenAt(c, i)) {
        missed++;
        if (missedIndexes.length < 4) missedIndexes.push(i);
      }
    return {
      up: c.up,
      missed,
      missedIndexes,
      dups: c.dups,
      outOfOrder: c.outOfOrder,
      outages: c.outages,
      failedDials: c.failedDials,
      // A client not back yet counts its outage so far: leaving it out would rate a server by the clients it did bring back.
      downtimeMs: c.downtimeMs + (!c.up && c.everUp ? nowMs() - c.downSince : 0),
      replays: c.replays,
      replayOpen: c.replayOpen,
    };
  });
}

function waitUntil(pred, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = nowMs();
    const poll = setInterval(() => {
      const ok = pred();
      if (ok || nowMs() - t0 > timeoutMs) {
        clearInterval(poll);
        resolve({ done: ok, ms: nowMs() - t0 });
      }
    }, 20);
  });
}

/** A command from the orchestrator (bench/lib/churn.mjs): `cmd`, the `id` to answer, and its fields. */
process.on('message', async (/** @type {{ cmd: string, id: number } & Record<string, any>} */ m) => {
  switch (m.cmd) {
    case 'connect': {
      opts = m;
      for (let k = 0; k < m.count; k++) {
        const c = makeClient(m.startIndex + k);
        clients.push(c);
        dial(c);
        if (k % m.concurrency === m.concurrency - 1) await waitUntil(() => clients.every((x) => x.up), 10_000);
      }
      const r = await waitUntil(() => clients.every((x) => x.up), m.timeoutMs);
      loopDelay.enable();
      return reply(m.id, { ready: clients.filter((c) => c.up).length, timedOut: !r.done });
    }
    case 'churn':
      churning = m.on;
      if (churning) loopDelay.reset();
      for (const c of clients)
        if (churning) scheduleDrop(c);
        else clearTimeout(c.dropTimer);
      return reply(m.id, {});
    case 'settle': {
      // Everyone back and holding every event published without error (or, without recovery, back
      // at all). Every one, not the last one published: events arrive in commit order, and one
      // published earlier may commit later (its instance was slower), after the last one is in.
      const skip = new Set(m.exclude);
      /** Per client, the first publish index it does not hold yet. */
      const cursor = new Map();
      const holdsAll = (c) => {
        let i = cursor.get(c) ?? 0;
        while (i < m.expected && (skip.has(i) || seenAt(c, i))) i++;
        cursor.set(c, i);
        return i >= m.expected;
      };
      const want = (c) => c.up && (!m.needAll || holdsAll(c));
      const r = await waitUntil(() => clients.every(want), m.timeoutMs);
      return reply(m.id, r);
    }
    case 'stats':
      opts.expected = m.expected;
      return reply(m.id, {
        clients: stats(m.exclude ?? []),
        loop: { p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        failures: Object.fromEntries(failures),
      });
    case 'exit':
      for (const c of clients) {
        c.stopped = true;
        clearTimeout(c.dropTimer);
        clearTimeout(c.retryTimer);
        c.conn?.destroy();
      }
      reply(m.id, {});
      setTimeout(() => process.exit(0), 20);
      return;
    default:
      return reply(m.id, { error: `unknown command ${m.cmd}` });
  }
});
process.on('disconnect', () => process.exit(0));
