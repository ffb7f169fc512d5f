// Placeholder until the page lands: copies src/web/index.html into dist/web when present.
import fs from 'node:fs';
fs.mkdirSync('dist/web', { recursive: true });
if (fs.existsSync('src/web/index.html')) fs.copyFileSync('src/web/index.html', 'dist/web/index.html');
