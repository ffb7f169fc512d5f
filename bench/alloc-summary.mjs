#!/usr/bin/env node
/**
 * Summarises V8 sampling heap profiles (.heapprofile, from BENCH_ALLOC_PROFILE_DIR; see
 * bench/README.md): bytes allocated per function (self) and per nearest frame of our own code
 * (dist/), so an allocation inside `ws`, pino or Node is charged to the line of ours that asked
 * for it. Top N of each, as Markdown.
 *
 *   node bench/alloc-summary.mjs /tmp/allocs/*.heapprofile [--top 25]
 */
import fs from 'node:fs';

const args = process.argv.slice(2);
const topIdx = args.indexOf('--top');
const top = topIdx >= 0 ? Number(args[topIdx + 1]) : 25;
const files = args.filter((a, i) => !a.startsWith('--') && (topIdx < 0 || i !== topIdx + 1));

const short = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, 'node_modules/')
    .replace(/.*\/(dist|bench)\//, '$1/');
const frame = (cf) => `${cf.functionName || '(anonymous)'} ${cf.url ? `${short(cf.url)}:${cf.lineNumber + 1}` : '(native)'}`;
const ours = (cf) => /\/dist\//.test(cf.url);

const self = new Map();
const byOurs = new Map();
let total = 0;
function walk(node, nearest) {
  const here = ours(node.callFrame) ? frame(node.callFrame) : nearest;
  if (node.selfSize > 0) {
    const f = frame(node.callFrame);
    self.set(f, (self.get(f) ?? 0) + node.selfSize);
    byOurs.set(here, (byOurs.get(here) ?? 0) + node.selfSize);
    total += node.selfSize;
  }
  for (const child of node.children ?? []) walk(child, here);
}
for (const file of files) walk(JSON.parse(fs.readFileSync(file, 'utf8')).head, '(outside our code)');

const mb = (b) => (b / 1048576).toFixed(1);
function table(map, title) {
  const lines = [`### ${title}`, '', '| MB | share | where |', '| ---: | ---: | --- |'];
  for (const [where, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`| ${mb(bytes)} | ${((100 * bytes) / total).toFixed(1)}% | \`${where}\` |`);
  return lines.join('\n');
}
process.stdout.write(
  `Sampled allocations: ${mb(total)} MB in ${files.length} profile(s)\n\n${table(self, 'Self, per function')}\n\n${table(byOurs, 'Per nearest frame of ours')}\n`,
);
