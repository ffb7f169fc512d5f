/**
 * The OpenAPI 3.1 document at `GET /openapi.json` and its browsable form at `/docs` (swagger-ui,
 * served from node_modules: nothing is fetched from elsewhere). Both are public, like the page's
 * files: they describe the API, never its data, and every route they describe still needs its
 * credential.
 *
 * The operations come from the tables in paths-api.ts and paths-edge.ts, attached by
 * @fastify/swagger's `transform` when the document is built. The routes themselves carry no
 * schema, on purpose: requests are validated by the services, from unknown, with their own
 * messages, and answers are serialised as they always were. test/integration/openapi.test.ts
 * keeps the tables true: every route is in them, and real answers validate against them.
 *
 * Cost: the document is built once, on its first request, and cached (about 40 KB).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { COMPONENTS } from './components.js';
import { ADMIN_OPERATIONS } from './paths-admin.js';
import { API_OPERATIONS, type OperationDoc } from './paths-api.js';
import { EDGE_OPERATIONS } from './paths-edge.js';
import { INBOX_OPERATIONS } from './paths-inbox.js';

const OPERATIONS: Readonly<Record<string, OperationDoc>> = { ...API_OPERATIONS, ...INBOX_OPERATIONS, ...ADMIN_OPERATIONS, ...EDGE_OPERATIONS };

/** The routes registered on each app, as `METHOD /url`, for undescribedRoutes. */
const registered = new WeakMap<FastifyInstance, Set<string>>();

const keyOf = (method: string, url: string): string => `${method} ${url}`;

function methodsOf(route: RouteOptions): readonly string[] {
  return (Array.isArray(route.method) ? route.method : [route.method]).filter((m: string) => m !== 'HEAD');
}

function isHidden(route: { schema?: unknown }): boolean {
  const schema = route.schema as { hide?: unknown } | undefined;
  return schema?.hide === true;
}

/** Keeps the routes of `instance` (an encapsulated context: the page's files, swagger-ui's) out of the document. */
export function hideFromDocument(instance: FastifyInstance): void {
  instance.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
}

/** Routes registered on `app` that are in the document but have no description in the tables (should be none). */
export function undescribedRoutes(app: FastifyInstance): readonly string[] {
  return [...(registered.get(app) ?? [])].filter((key) => OPERATIONS[key] === undefined);
}

/** `{ $ref: 'Host#' }` (the tables' short form) → `#/components/schemas/Host`, everywhere in `value`. */
function expandRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expandRefs);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof inner === 'string' && inner.endsWith('#') ? `#/components/schemas/${inner.slice(0, -1)}` : expandRefs(inner);
  }
  return out;
}

/** The package's version, from package.json (three levels up from src/http/openapi and dist/http/openapi). */
function packageVersion(): string {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../package.json');
  const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
  const version = typeof parsed === 'object' && parsed !== null ? (parsed as { version?: unknown }).version : undefined;
  return typeof version === 'string' ? version : '0.0.0';
}

/** Registers the document's routes and the collector; call before any route is added to `app`. */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  const version = packageVersion();
  const seen = new Set<string>();
  registered.set(app, seen);
  app.addHook('onRoute', (route) => {
    if (isHidden(route)) return;
    for (const method of methodsOf(route)) seen.add(keyOf(method, route.url));
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Aether-V Realtime',
        version,
        description: 'REST API of the Aether-V real-time layer. Live changes: the WebSocket at /ws (docs/PROTOCOL.md).',
      },
      components: {
        schemas: expandRefs(COMPONENTS) as Record<string, never>,
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'API_TOKEN, or an OIDC access token' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'aether_session',
            description: 'Browser session from /auth/login; writes also need a same-origin Origin',
          },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: ({ schema, url, route }) => {
      const methods = typeof route.method === 'string' ? [route.method] : route.method;
      const doc = methods.map((m) => OPERATIONS[keyOf(m, url)]).find((d) => d !== undefined);
      if (doc === undefined) return { schema, url };
      return { schema: expandRefs(doc) as typeof schema, url };
    },
  });
  app.get('/openapi.json', async () => app.swagger());
  await app.register(async (docs) => {
    hideFromDocument(docs);
    await docs.register(fastifySwaggerUi, {
      routePrefix: '/docs',
      staticCSP: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'", "'unsafe-inline'"],
        'img-src': ["'self'", 'data:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'frame-ancestors': ["'none'"],
      },
      uiConfig: { url: '/openapi.json', deepLinking: true },
    });
  });
}
