// `npm run demo`: the embedded default (SQLite, in-process bus) with development auth on loopback and demo data.
import { spawn } from 'node:child_process';

const env = {
  AUTH_ENABLED: 'false',
  ALLOW_DEV_AUTH: 'true',
  DUMMY_DATA: 'true',
  HOST: '127.0.0.1',
  PORT: '8000',
  ...process.env,
};
const child = spawn(process.execPath, ['dist/main.js'], { env, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
