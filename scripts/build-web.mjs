// Bundles the page (src/web) into dist/web/: index.html, styles.css, app.js, and client.js, a
// standalone ESM bundle of the client library whose minified and gzipped size is reported.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const common = { bundle: true, format: 'esm', target: 'es2022', minify: true, legalComments: 'none', logLevel: 'warning' };

await mkdir(out, { recursive: true });
await build({ ...common, entryPoints: [join(root, 'src/web/main.ts')], outfile: join(out, 'app.js'), sourcemap: true });
await build({ ...common, entryPoints: [join(root, 'src/client/index.ts')], outfile: join(out, 'client.js') });
await copyFile(join(root, 'src/web/index.html'), join(out, 'index.html'));
await copyFile(join(root, 'src/web/styles.css'), join(out, 'styles.css'));

const sizes = {};
for (const name of ['client.js', 'app.js', 'styles.css']) {
  const bytes = await readFile(join(out, name));
  sizes[name] = { minified: bytes.length, gzipped: gzipSync(bytes, { level: 9 }).length };
}
await writeFile(join(out, 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
const line = (n) => `${n}: ${sizes[n].minified} B minified, ${sizes[n].gzipped} B gzipped`;
console.log(`web: dist/web (${line('client.js')}; ${line('app.js')})`);
