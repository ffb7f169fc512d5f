/** The Fastify application: REST routes, health, static page, security headers, error mapping. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { Authenticator } from '../auth/authenticator.js';
import type { OriginPolicy } from '../auth/origin.js';
import type { InventoryService } from '../services/inventory.js';
import type { JobService } from '../services/jobs.js';
import type { NotificationService } from '../services/notifications.js';
import { AppError } from '../shared/errors.js';
import { nestsDeeperThan } from '../protocol/index.js';
import { AccessLog } from './access-log.js';
import { installAuth } from './auth-hook.js';
import { installErrorHandling } from './errors.js';
import type { MetricsSource } from './metrics-cluster.js';
import { metricsRoute, type MetricsAccess } from './metrics-route.js';
import { hideFromDocument, installOpenApi } from './openapi/install.js';
import { registerAdminRoutes, type AdminRoutesOptions } from './routes-admin.js';
import { registerAuthRoutes, type AuthRoutesOptions } from './routes-auth.js';
import { registerInventoryRoutes } from './routes-inventory.js';
import { registerJobRoutes } from './routes-jobs.js';
import { registerNotificationRoutes } from './routes-notifications.js';
import { installBaseHeaders, installPageHeaders } from './security-headers.js';

export interface AppOptions {
  readonly logger: PinoLogger;
  readonly authenticator: Authenticator;
  readonly origins: OriginPolicy;
  /** Sessions, ws-tokens and sign-in; undefined in development mode. */
  readonly auth?: AuthRoutesOptions['enabled'];
  readonly notifications: NotificationService;
  readonly inventory: InventoryService;
  readonly jobs: JobService;
  readonly bodyLimitBytes: number;
  /** JSON bodies nesting arrays/objects deeper than this are refused (400) before they are parsed. */
  readonly jsonMaxDepth: number;
  /** Readiness of the store and bus, for /readyz. */
  readonly ready: () => Promise<Readonly<Record<string, boolean>>>;
  /** Checks whose failure leaves the process serving correctly, only slower: /readyz says `degraded` with 200. */
  readonly degradable?: readonly string[];
  readonly webRoot?: string;
  /** Served at GET /metrics in the Prometheus text format. */
  readonly metrics: MetricsSource;
  /** Who may read /metrics (metrics-route.ts). */
  readonly metricsAccess: MetricsAccess;
  /** Serve the page's `*.map` source maps (development mode only); otherwise they answer 404. */
  readonly serveSourceMaps?: boolean;
  /** The admin API (/api/v1/admin); absent, its routes are not registered. */
  readonly admin?: AdminRoutesOptions;
}

const PUBLIC = /^\/(healthz|readyz|metrics|sse)?(\?|$)|^\/(auth\/|assets\/|app\.js|client\.js|styles\.css|favicon|index\.html|openapi\.json|docs(\/|\?|$))/;

/** Directory holding the built page: <package>/dist/web, whether running from src/ or dist/. */
export function defaultWebRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/web');
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimitBytes,
    return503OnClosing: true,
    logController: new AccessLog(),
  });
  installErrorHandling(app);
  installBaseHeaders(app);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    if (nestsDeeperThan(text, options.jsonMaxDepth)) {
      return done(new AppError('validation_failed', `the JSON body nests arrays or objects more than ${options.jsonMaxDepth} levels deep`), undefined);
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      const err = Object.assign(new SyntaxError('request body is not valid JSON'), { statusCode: 400 });
      done(err, undefined);
    }
  });
  installAuth(app, options.authenticator, (url) => PUBLIC.test(url), options.origins);
  await installOpenApi(app);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks = await options.ready();
    const failed = Object.keys(checks).filter((name) => !checks[name]);
    const ok = failed.every((name) => options.degradable?.includes(name) === true);
    return reply.status(ok ? 200 : 503).send({ status: !ok ? 'not_ready' : failed.length > 0 ? 'degraded' : 'ready', checks });
  });
  app.get('/metrics', metricsRoute(options.metrics, options.metricsAccess));
  registerAuthRoutes(app, { authenticator: options.authenticator, origins: options.origins, ...(options.auth === undefined ? {} : { enabled: options.auth }) });
  registerNotificationRoutes(app, options.notifications, options.jobs);
  registerInventoryRoutes(app, options.inventory);
  registerJobRoutes(app, options.jobs);
  if (options.admin !== undefined) registerAdminRoutes(app, options.admin);

  // The page's files, in their own context: helmet's full headers and the page's CSP apply there only.
  const webRoot = options.webRoot ?? defaultWebRoot();
  const serveMaps = options.serveSourceMaps === true;
  await app.register(async (page) => {
    hideFromDocument(page);
    await installPageHeaders(page);
    if (fs.existsSync(path.join(webRoot, 'index.html'))) {
      await page.register(fastifyStatic, {
        root: webRoot,
        prefix: '/',
        index: ['index.html'],
        wildcard: false,
        allowedPath: (file) => serveMaps || !file.endsWith('.map'),
      });
    } else {
      page.get('/', async (_request, reply) => reply.status(503).type('text/plain').send('The web page is not built: run `npm run build`.\n'));
    }
  });
  return app;
}
