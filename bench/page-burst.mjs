#!/usr/bin/env node
/**
 * What a burst of live notifications costs the page, as its list grows: the inbox open in real
 * Chromium (Debian's /usr/bin/chromium, through playwright-core), the list grown by bursts to each
 * of `--sizes` rows, then one measured burst of `--burst` notifications. Per event: the page's
 * main-thread time (Chrome's TaskDuration), the style and layout part of it, the script part, and
 * the wall time from the first POST until the page shows the last row. An operator keeps the page
 * open all day, so the list a burst lands on can hold thousands of rows.
 *
 * Several builds in the same run (`--dist dist,../base/dist`), each with its own server (dev auth,
 * SQLite) and its own browser, taking turns size by size. The servers are pinned to core 0; this
 * process and the browsers it starts to core 1.
 *
 * A build whose page has not shown a burst within `--show-timeout-s` is left out of the larger
 * sizes (the table says so).
 *
 *   node bench/page-burst.mjs [--dist dist[,other/dist]] [--sizes 100,1000,3000] [--burst 100]
 *                             [--show-timeout-s 120] [--port 18770]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { distsOption, optionReader } from './lib/cli.mjs';
import { createPublisher, hasTaskset, inLanes, nowMs, OURS_BENCH_LIMITS, pinSelf, startServer } from './lib/proc.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const opt = optionReader();
const dists = distsOption(opt, root);
const sizes = String(opt('sizes', '100,1000,3000'))
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const burst = Number(opt('burst', 100));
const port = Number(opt('port', 18_770));
const showTimeoutMs = Number(opt('show-timeout-s', 120)) * 1000;
if (!(showTimeoutMs > 0)) throw new Error('--show-timeout-s: expected a positive number of seconds');
for (const v of [...sizes, burst])
  if (!Number.isInteger(v) || v < 1 || v > 100_000) throw new Error(`--sizes and --burst: expected positive integers up to 100000, got ${v}`);
if ((sizes[0] ?? 0) < burst) throw new Error(`--sizes: the smallest (${sizes[0]}) must be at least --burst (${burst})`);

const useTaskset = hasTaskset();
if (useTaskset) pinSelf(1);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aether-page-burst-'));
/** Chrome's cumulative main-thread figures (Performance.getMetrics), in seconds. */
const METRICS = ['TaskDuration', 'ScriptDuration', 'LayoutDuration', 'RecalcStyleDuration'];

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.filter((m) => METRICS.includes(m.name)).map((m) => [m.name, m.value]));
}

/** A build's server, browser and open inbox; `post(k)` creates k notifications and waits until the page lists them all. */
async function startSide(dist, k) {
  const p = port + k;
  const server = await startServer({
    argv: [process.execPath, path.join(dist, 'main.js')],
    cwd: root,
    port: p,
    useTaskset,
    logFile: path.join(tmp, `server-${k}.log`),
    env: {
      HOST: '127.0.0.1',
      PORT: String(p),
      DATA_DIR: fs.mkdtempSync(path.join(tmp, `data-${k}-`)),
      AUTH_ENABLED: 'false',
      ALLOW_DEV_AUTH: 'true',
      NOTIFICATION_RETENTION_COUNT: '1000000',
      ...OURS_BENCH_LIMITS,
    },
  });
  const browser = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(tmp, `profile-${k}-`)), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    viewport: { width: 1100, height: 720 },
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  await page.goto(`http://127.0.0.1:${p}/`);
  await page.locator('#ws-status.ws-connected').waitFor({ timeout: 30_000 });
  await page.click('#bell');
  const cdp = await browser.newCDPSession(page);
  await cdp.send('Performance.enable');
  const pub = createPublisher({ port: p, maxSockets: 16 });
  let made = 0;
  async function post(count) {
    const create = async () =>
      (await pub.post('/api/v1/notifications', { title: `burst ${made++}`, message: 'page burst', level: 'info', category: 'system' })) === 201;
    const { failed } = await inLanes(count, 16, create);
    if (failed > 0) throw new Error(`${failed} of ${count} POSTs failed on ${dist}`);
    await page.waitForFunction(
      // A function, not a string: the page's Content-Security-Policy refuses eval.
      (want) => /** @type {any} */ (globalThis).document.querySelectorAll('#list li').length >= want,
      made,
      { timeout: showTimeoutMs, polling: 20 },
    );
  }
  return {
    dist,
    rows: () => made,
    post,
    measure: async () => {
      const before = await metrics(cdp);
      const t0 = nowMs();
      await post(burst);
      const wall = nowMs() - t0;
      const after = await metrics(cdp);
      const per = (name) => ((after[name] - before[name]) * 1000) / burst;
      return { main: per('TaskDuration'), style: per('LayoutDuration') + per('RecalcStyleDuration'), script: per('ScriptDuration'), wall };
    },
    async close() {
      pub.close();
      await browser.close();
      await server.stop();
    },
  };
}

const sides = [];
try {
  for (const [k, dist] of dists.entries()) sides.push(await startSide(dist, k));
  const rows = [];
  const gaveUp = new Set();
  for (const size of sizes) {
    for (const side of sides) {
      if (gaveUp.has(side)) continue;
      const name = path.relative(root, side.dist) || side.dist;
      try {
        while (side.rows() < size - burst) await side.post(Math.min(burst, size - burst - side.rows()));
        const m = await side.measure();
        rows.push({ dist: side.dist, size: side.rows(), ...m });
        process.stdout.write(
          `${name} at ${side.rows()} rows: ${m.main.toFixed(2)} ms of main thread per event (style and layout ${m.style.toFixed(2)}, script ${m.script.toFixed(2)}), ${Math.round(m.wall)} ms to show ${burst}\n`,
        );
      } catch (err) {
        if (!(err instanceof Error && err.name === 'TimeoutError')) throw err;
        gaveUp.add(side);
        rows.push({ dist: side.dist, size, timedOut: true, main: NaN, style: NaN, script: NaN, wall: NaN });
        process.stdout.write(`${name} towards ${size} rows: a burst not shown within ${showTimeoutMs / 1000} s; left out of larger sizes\n`);
      }
    }
  }
  process.stdout.write(
    `\nBursts of ${burst} notifications into the open inbox; ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, Chromium at /usr/bin/chromium\n\n`,
  );
  process.stdout.write(
    '| build | rows after the burst | main thread ms per event | style + layout ms | script ms | ms to show the burst |\n| --- | ---: | ---: | ---: | ---: | ---: |\n',
  );
  for (const r of rows) {
    if (r.timedOut) {
      process.stdout.write(`| ${path.relative(root, r.dist) || r.dist} | ${r.size.toLocaleString('en-US')} | – | – | – | over ${showTimeoutMs / 1000} s |\n`);
      continue;
    }
    process.stdout.write(
      `| ${path.relative(root, r.dist) || r.dist} | ${r.size.toLocaleString('en-US')} | ${r.main.toFixed(2)} | ${r.style.toFixed(2)} | ${r.script.toFixed(2)} | ${Math.round(r.wall).toLocaleString('en-US')} |\n`,
    );
  }
} finally {
  for (const side of sides) await side.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
