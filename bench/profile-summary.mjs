#!/usr/bin/env node
/**
 * Summarises V8 .cpuprofile files (from `node bench/run.mjs --profile`, which starts ours with
 * --cpu-prof): self time per function and per file, top N, as Markdown.
 *
 *   node bench/profile-summary.mjs bench/results/profiles/*.cpuprofile [--top 25]
 */
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const topIdx = args.indexOf('--top');
const top = topIdx >= 0 ? Number(args[topIdx + 1]) : 25;
const files = args.filter((a, i) => !a.startsWith('--') && (topIdx < 0 || i !== topIdx + 1));
const byFn = new Map();
const byFile = new Map();
let total = 0;
for (const file of files) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++) dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  for (const [id, us] of dt) {
    const n = nodes.get(id);
    const cf = n.callFrame;
    const where = cf.url
      ? cf.url
          .replace(/^file:\/\//, '')
          .replace(/.*\/node_modules\//, 'node_modules/')
          .replace(/.*\/(dist|bench)\//, '$1/')
      : '(native)';
    const fn = `${cf.functionName || '(anonymous)'} ${where}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + us);
    const f = cf.url ? where : cf.functionName.startsWith('(') ? cf.functionName : '(native)';
    byFile.set(f, (byFile.get(f) ?? 0) + us);
    total += us;
  }
}
const table = (map, title) => {
  const rows = [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  const out = [`| ${title} | self ms | share |`, '| --- | ---: | ---: |'];
  for (const [k, us] of rows) out.push(`| ${k.replace(/\|/g, '\\|')} | ${(us / 1000).toFixed(1)} | ${((100 * us) / total).toFixed(1)}% |`);
  return out.join('\n');
};
process.stdout.write(`Profiles: ${files.map((f) => path.basename(f)).join(', ')}; total sampled ${(total / 1000).toFixed(0)} ms\n\n`);
process.stdout.write(table(byFile, 'file') + '\n\n' + table(byFn, 'function') + '\n');
