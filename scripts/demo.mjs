// `npm run demo`: the embedded default (SQLite, in-process bus) with development auth on loopback and demo data.
// Its log is made readable with pino-pretty (a dev dependency, the demo only); the server itself
// always writes JSON lines, as `npm start` shows. DEMO_LOG=json keeps the JSON here too.
import { spawn } from 'node:child_process';
import pretty from 'pino-pretty';

const env = {
  AUTH_ENABLED: 'false',
  ALLOW_DEV_AUTH: 'true',
  DUMMY_DATA: 'true',
  HOST: '127.0.0.1',
  PORT: '8000',
  ...process.env,
};
const json = process.env.DEMO_LOG === 'json';
const child = spawn(process.execPath, ['dist/main.js'], { env, stdio: ['inherit', json ? 'inherit' : 'pipe', 'inherit'] });
if (!json) {
  child.stdout.pipe(pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true }));
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
