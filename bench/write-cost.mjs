#!/usr/bin/env node
/**
 * What one socket write costs, without any WebSocket code: N loopback TCP connections (the reading
 * side in a child process), K frames of B bytes per socket per event-loop turn, written four ways:
 * `plain` (a write per frame), `cork` (cork, a write per frame, uncork next turn: one writev),
 * `own` (frames collected per socket, one write of their concatenation next turn). Prints the
 * writer's CPU µs per frame (user and system, from process.cpuUsage), so it holds on a busy host.
 *
 *   node bench/write-cost.mjs [--conns 1000] [--per-turn 1,4,16] [--bytes 300] [--turns 150] [--modes plain,cork,own]
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { optionReader } from './lib/cli.mjs';

if (process.argv[2] === '--reader') {
  const [port, n] = [Number(process.argv[3]), Number(process.argv[4])];
  let opened = 0;
  for (let i = 0; i < n; i++) {
    const s = net.connect(port, '127.0.0.1');
    s.on('data', () => undefined);
    s.on('connect', () => {
      if (++opened === n) process.send?.('ready');
    });
  }
  process.on('disconnect', () => process.exit(0));
} else {
  const opt = optionReader();
  const n = Number(opt('conns', 1000));
  const perTurns = String(opt('per-turn', '1,4,16')).split(',').map(Number);
  const frame = Buffer.alloc(Number(opt('bytes', 300)), 120);
  const turns = Number(opt('turns', 150));
  const modes = String(opt('modes', 'plain,cork,own')).split(',');
  const server = net.createServer();
  /** @type {net.Socket[]} */
  const conns = [];
  server.on('connection', (s) => conns.push(s));
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const port = /** @type {net.AddressInfo} */ (server.address()).port;
  const reader = fork(fileURLToPath(import.meta.url), ['--reader', String(port), String(n)]);
  await new Promise((r) => reader.once('message', r));
  while (conns.length < n) await new Promise((r) => setTimeout(r, 10));
  const nextTurn = () => new Promise((r) => setImmediate(r));

  async function rounds(mode, perTurn) {
    for (let t = 0; t < turns; t++) {
      if (mode === 'cork') for (const s of conns) s.cork();
      /** @type {Map<net.Socket, Buffer[]>} */
      const pending = new Map();
      for (let k = 0; k < perTurn; k++)
        for (const s of conns) {
          if (mode === 'own') {
            const p = pending.get(s);
            if (p) p.push(frame);
            else pending.set(s, [frame]);
          } else s.write(frame);
        }
      await nextTurn();
      if (mode === 'cork') for (const s of conns) s.uncork();
      for (const [s, p] of pending) s.write(p.length === 1 ? /** @type {Buffer} */ (p[0]) : Buffer.concat(p));
      await new Promise((r) => setTimeout(r, 5)); // let the reader drain: no backpressure in the figure
    }
  }

  process.stdout.write(`| frames per socket per turn | mode | CPU µs per frame | user | system |\n| ---: | --- | ---: | ---: | ---: |\n`);
  for (const perTurn of perTurns)
    for (const mode of modes) {
      await rounds(mode, perTurn); // warm-up
      const c0 = process.cpuUsage();
      await rounds(mode, perTurn);
      const c = process.cpuUsage(c0);
      const per = n * perTurn * turns;
      const f = (us) => (us / per).toFixed(2);
      process.stdout.write(`| ${perTurn} | ${mode} | ${f(c.user + c.system)} | ${f(c.user)} | ${f(c.system)} |\n`);
    }
  reader.kill();
  server.close();
  for (const s of conns) s.destroy();
}
