#!/usr/bin/env node
/**
 * Renders V8 .cpuprofile files (from `node bench/run.mjs --profile`) as one SVG flame graph:
 * callers below, callees stacked above, each frame as wide as the time spent in it and in what it
 * called. Idle and program time are left out, so the width is the busy CPU. Hover a frame for its
 * name, place and time. Profiles of several threads or processes are merged by call path.
 *
 *   node bench/flamegraph.mjs bench/results/profiles/*.cpuprofile [--out flame.svg] [--title text]
 */
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const files = args.filter((a, i) => !a.startsWith('--') && !['--out', '--title'].includes(args[i - 1] ?? ''));
if (files.length === 0) {
  process.stderr.write('usage: node bench/flamegraph.mjs <profile.cpuprofile>... [--out flame.svg] [--title text]\n');
  process.exit(2);
}
const out = option('--out', 'flame.svg');
const title = option('--title', `CPU flame graph: ${files.map((f) => path.basename(f)).join(', ')}`);

const SKIP = new Set(['(idle)', '(program)', '(garbage collector)']);

/** A merged call tree: name → child, with inclusive and self microseconds. */
function newFrame(name, where) {
  return { name, where, total: 0, self: 0, children: new Map() };
}
const root = newFrame('all', '');
let gc = 0;

for (const file of files) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  for (let i = 0; i < prof.samples.length; i++) selfUs.set(prof.samples[i], (selfUs.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  for (const [id, us] of selfUs) {
    const leaf = nodes.get(id);
    if (leaf.callFrame.functionName === '(garbage collector)') gc += us;
    if (SKIP.has(leaf.callFrame.functionName)) continue;
    const stack = [];
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = nodes.get(cur).callFrame;
      if (cf.functionName === '(root)') break;
      const where = cf.url
        ? `${cf.url
            .replace(/^file:\/\//, '')
            .replace(/.*\/node_modules\//, 'node_modules/')
            .replace(/.*\/(dist|bench|src)\//, '$1/')}:${cf.lineNumber + 1}`
        : '(native)';
      stack.push([cf.functionName || '(anonymous)', where]);
    }
    let frame = root;
    frame.total += us;
    for (let i = stack.length - 1; i >= 0; i--) {
      const [name, where] = /** @type {[string, string]} */ (stack[i]);
      const key = `${name} ${where}`;
      let child = frame.children.get(key);
      if (child === undefined) frame.children.set(key, (child = newFrame(name, where)));
      child.total += us;
      frame = child;
    }
    frame.self += us;
  }
}

const WIDTH = 1800;
const ROW = 17;
const TOP = 40;
let depthMax = 0;
const rects = [];
const minUs = root.total / WIDTH / 2; // narrower than half a pixel: not drawn

function colour(where) {
  if (where.startsWith('dist/') || where.startsWith('src/')) return [230, 120 + ((where.length * 7) % 60), 40]; // ours: orange
  if (where.startsWith('node_modules/')) return [70, 130 + ((where.length * 5) % 60), 200]; // libraries: blue
  if (where.startsWith('node:')) return [80, 170 + ((where.length * 3) % 50), 90]; // Node's own: green
  return [150, 150, 150]; // native, V8
}

function layout(frame, x, depth) {
  depthMax = Math.max(depthMax, depth);
  rects.push({ frame, x, depth });
  let cx = x;
  for (const child of [...frame.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    if (child.total >= minUs) layout(child, cx, depth + 1);
    cx += child.total;
  }
}
layout(root, 0, 0);

const height = TOP + (depthMax + 1) * ROW + 30;
const scale = WIDTH / Math.max(1, root.total);
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const ms = (us) => (us / 1000).toFixed(us >= 100_000 ? 0 : 1);
const parts = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="11">`,
  `<rect width="100%" height="100%" fill="#fdfdf8"/>`,
  `<text x="8" y="18" font-size="14">${esc(title)}</text>`,
  `<text x="8" y="33" fill="#555">busy CPU ${ms(root.total)} ms sampled (idle and program time left out; garbage collector ${ms(gc)} ms). Orange: ours; blue: libraries; green: Node; grey: native. Hover for details.</text>`,
];
for (const { frame, x, depth } of rects) {
  const w = frame.total * scale;
  const px = x * scale;
  const py = height - 30 - (depth + 1) * ROW;
  const [r, g, b] = depth === 0 ? [200, 200, 200] : colour(frame.where);
  const share = ((100 * frame.total) / root.total).toFixed(1);
  const label = depth === 0 ? 'all' : `${frame.name} ${frame.where}`;
  parts.push(
    `<g><title>${esc(label)}: ${ms(frame.total)} ms (${share}%), self ${ms(frame.self)} ms</title><rect x="${px.toFixed(2)}" y="${py}" width="${Math.max(0.5, w - 0.5).toFixed(2)}" height="${ROW - 1}" fill="rgb(${r},${g},${b})"/>`,
  );
  const chars = Math.floor((w - 6) / 6.6);
  if (chars >= 3)
    parts.push(`<text x="${(px + 3).toFixed(2)}" y="${py + ROW - 5}">${esc(label.length > chars ? `${label.slice(0, chars - 1)}…` : label)}</text>`);
  parts.push('</g>');
}
parts.push('</svg>');
fs.writeFileSync(out, `${parts.join('\n')}\n`);
process.stdout.write(`${out}: ${rects.length} frames, ${ms(root.total)} ms busy\n`);
