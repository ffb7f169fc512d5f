import fs from 'node:fs';
import path from 'node:path';

/** `--name value` options of a bench tool: `opt('n', 1000)` is the value after `--n`, or the default. */
export function optionReader(argv = process.argv.slice(2)) {
  return (name, dflt) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : dflt;
  };
}

/**
 * `--dist dist[,other/dist]`: the builds a side-by-side tool runs, each resolved from the project
 * `root`; throws when one has no `main.js` (not built).
 */
export function distsOption(opt, root) {
  const dists = String(opt('dist', 'dist'))
    .split(',')
    .map((d) => path.resolve(root, d));
  for (const d of dists) if (!fs.existsSync(path.join(d, 'main.js'))) throw new Error(`${d}/main.js is missing: build it first`);
  return dists;
}
