/** The static API token (REST and /ws), and connection and message limits. */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_TOKEN, SESSION_SECRET } from '../helpers/auth-world.js';
import { createLogCapture } from '../helpers/log-capture.js';
import { startServer, type TestServer } from '../helpers/inproc-server.js';
import { connect, upgradeStatus, type TestSocket } from '../helpers/auth-socket.js';

const capture = createLogCapture();
let app: TestServer;
const bearer = { authorization: `Bearer ${API_TOKEN}` };

beforeAll(async () => {
  capture.secret(API_TOKEN);
  capture.secret(SESSION_SECRET);
  app = await startServer(
    {
      SESSION_SECRET_KEY: SESSION_SECRET,
      API_TOKEN,
      WS_MAX_CONNECTIONS_PER_USER: '2',
      WS_MAX_CONNECTIONS_PER_IP: '3',
      WS_MESSAGES_PER_SECOND: '5',
      WS_AUTH_TIMEOUT_MS: '500',
    },
    capture,
  );
});
afterAll(async () => {
  await app?.close();
});

describe('API token', () => {
  it('right token: REST as the admin service principal, and /ws', async () => {
    const me = await fetch(`${app.url}/auth/me`, { headers: bearer });
    expect(await me.json()).toMatchObject({ user: 'api-token', roles: ['user', 'admin'], method: 'api-token' });
    const created = await fetch(`${app.url}/api/v1/notifications`, {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Host up', message: 'h1 is back', level: 'success', category: 'host' }),
    });
    expect(created.status).toBe(201);
    const socket = await connect(app.wsUrl, { headers: bearer });
    expect(await socket.next()).toMatchObject({ type: 'connection', user: 'api-token' });
    socket.close();
    await socket.closed;
  });

  it('wrong token: 401 on REST, 1008 on /ws', async () => {
    const wrong = { authorization: `Bearer ${API_TOKEN.slice(0, -1)}x` };
    expect((await fetch(`${app.url}/api/v1/notifications`, { headers: wrong })).status).toBe(401);
    const socket = await connect(app.wsUrl, { headers: wrong });
    expect(await socket.closed).toEqual({ code: 1008, reason: 'invalid: invalid token' });
  });

  it('refused from a browser origin, even the server’s own', async () => {
    const rest = await fetch(`${app.url}/api/v1/notifications`, { headers: { ...bearer, origin: app.url } });
    expect(rest.status).toBe(403);
    expect((await rest.json()).detail).toContain('browser');
    const socket = await connect(app.wsUrl, { headers: { ...bearer, origin: app.url } });
    const closed = await socket.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toContain('forbidden');
  });

  it('a socket without any credential is closed 1008 after the auth timeout', async () => {
    const socket = await connect(app.wsUrl);
    const closed = await socket.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toContain('auth');
  }, 10_000);
});

describe('limits', () => {
  async function open(n: number): Promise<TestSocket[]> {
    const sockets: TestSocket[] = [];
    for (let i = 0; i < n; i++) sockets.push(await connect(app.wsUrl, { headers: bearer }));
    return sockets;
  }
  async function closeAll(sockets: TestSocket[]): Promise<void> {
    for (const s of sockets) s.close();
    await Promise.all(sockets.map((s) => s.closed));
    await new Promise((r) => setTimeout(r, 50));
  }

  it('closes with 1013 past the per-user connection limit, and frees the slot on close', async () => {
    const sockets = await open(3);
    expect((await sockets[0]!.next()).type).toBe('connection');
    expect((await sockets[1]!.next()).type).toBe('connection');
    expect((await sockets[2]!.closed).code).toBe(1013);
    sockets[0]!.close();
    await sockets[0]!.closed;
    await new Promise((r) => setTimeout(r, 50));
    const again = await connect(app.wsUrl, { headers: bearer });
    expect((await again.next()).type).toBe('connection');
    await closeAll([sockets[1]!, again]);
  });

  it('answers 429 past the per-IP connection limit, before any handshake', async () => {
    const waiting = [await connect(app.wsUrl), await connect(app.wsUrl), await connect(app.wsUrl)];
    expect(await upgradeStatus(app.wsUrl, bearer)).toBe(429);
    await closeAll(waiting);
    expect(await upgradeStatus(app.wsUrl, bearer)).toBe(101);
    expect(capture.grep(/WebSocket connection refused: too many connections from 127\.0\.0\.1/).length).toBe(1);
  });

  it('gives the per-IP slot back when ws turns a handshake down after the gate let it through', async () => {
    // Authenticated, but a WebSocket version ws does not speak: ws answers 400 and destroys the socket.
    const badHandshake = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const { port } = new URL(app.url);
        const socket = net.connect(Number(port), '127.0.0.1', () => {
          socket.write(
            'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
              `Sec-WebSocket-Version: 12\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
              `Authorization: Bearer ${API_TOKEN}\r\n\r\n`,
          );
        });
        let answer = '';
        socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
        socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
        socket.on('error', reject);
      });
    // Twice the per-IP limit (3): a slot kept by each would refuse the later ones with 429.
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) answers.push(await badHandshake());
    expect(answers).toEqual(Array(6).fill('HTTP/1.1 400 Bad Request'));
    await new Promise((r) => setTimeout(r, 50));
    expect(await upgradeStatus(app.wsUrl, bearer)).toBe(101);
  });

  it('sends an error, then closes 4008, past the per-socket message rate', async () => {
    const [socket] = await open(1);
    expect((await socket!.next()).type).toBe('connection');
    for (let i = 0; i < 8; i++) socket!.send({ type: 'ping' });
    expect(await socket!.nextOfType('error')).toMatchObject({ code: 'rate_limited' });
    expect((await socket!.closed).code).toBe(4008);
  });

  it('writes one access line per request, at its end, with the address and the URL redacted', async () => {
    capture.secret('not-a-real-token-123');
    const res = await fetch(`${app.url}/api/v1/notifications?limit=1&token=not-a-real-token-123`, { headers: bearer });
    expect(res.status).toBe(200);
    await expect.poll(() => capture.grep(/limit=1&token/).length).toBe(1);
    const [line] = capture.grep(/limit=1&token/).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(line).toMatchObject({
      msg: 'request completed',
      req: { method: 'GET', url: '/api/v1/notifications?limit=1&token=[REDACTED]', remoteAddress: '127.0.0.1' },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(capture.grep(/incoming request/)).toEqual([]);
  });

  it('wrote no token or secret to any log line', () => {
    expect(capture.lines.length).toBeGreaterThan(5);
    expect(capture.leaks()).toEqual([]);
  });
});
