/** What the routes outside /api/v1 take and answer: health, metrics, sign-in, this document. */
import { ref, type Schema } from './components.js';
import type { OperationDoc } from './paths-api.js';

const str: Schema = { type: 'string' };
const open = [] as const;
const err = { default: ref('Error') };
const redirect: Schema = { type: 'null', description: 'Redirect (Location header)' };
const readiness: Schema = {
  type: 'object',
  properties: { status: { enum: ['ready', 'degraded', 'not_ready'] }, checks: { type: 'object', additionalProperties: { type: 'boolean' } } },
  required: ['status', 'checks'],
};

/** Every operation outside /api/v1, keyed `METHOD /url`. */
export const EDGE_OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  'GET /healthz': {
    summary: 'Liveness: 200 while the process runs',
    tags: ['health'],
    security: open,
    response: { 200: { type: 'object', properties: { status: { const: 'ok' } }, required: ['status'] } },
  },
  'GET /readyz': {
    summary: 'Readiness: 503 while starting, draining or without the database; 200 degraded while Redis is away',
    tags: ['health'],
    security: open,
    response: { 200: readiness, 503: readiness },
  },
  'GET /metrics': {
    summary: 'Prometheus metrics (METRICS_TOKEN as a bearer token; open in development mode without one)',
    tags: ['health'],
    security: [{ metricsToken: [] }],
    response: { 200: { content: { 'text/plain': { schema: str } } }, ...err },
  },
  'GET /sse': {
    summary: 'The live protocol over Server-Sent Events (docs/PROTOCOL.md, Server-Sent Events)',
    tags: ['live'],
    security: open,
    description: 'Authenticates itself like /ws (`?token=`, bearer, session cookie); refusals after the gates are `close` events on the stream.',
    querystring: {
      type: 'object',
      properties: {
        topics: { ...str, description: 'Comma-separated topics; default notifications' },
        token: { ...str, description: 'A ws-token or API token' },
      },
    },
    response: {
      200: { content: { 'text/event-stream': { schema: { ...str, description: 'One event per server message, its JSON on one data: line' } } } },
      ...err,
    },
  },
  'POST /sse/:clientId/subscriptions': {
    summary: 'One client message (subscribe, unsubscribe, ping, …) for the stream `clientId`; its answers arrive on the stream',
    tags: ['live'],
    params: { type: 'object', properties: { clientId: str }, required: ['clientId'] },
    body: { type: 'object', properties: { type: str }, required: ['type'], description: 'A client message as on /ws' },
    response: {
      202: { type: 'object', properties: { status: { const: 'accepted' }, client_id: str, type: str }, required: ['status', 'client_id', 'type'] },
      ...err,
    },
  },
  'GET /openapi.json': { summary: 'This document', tags: ['health'], security: open, response: { 200: { type: 'object' } } },
  'GET /auth/me': {
    summary: 'Who the caller is',
    tags: ['auth'],
    security: open,
    response: {
      200: {
        type: 'object',
        properties: {
          user: str,
          name: str,
          roles: { type: 'array', items: str },
          method: str,
          expires_at: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
        },
        required: ['user', 'name', 'roles', 'method', 'expires_at'],
      },
      ...err,
    },
  },
  'GET /auth/ws-token': {
    summary: 'A single-use token for /ws (signed-in session); 204 in development mode (connect without one)',
    tags: ['auth'],
    security: open,
    response: {
      200: { type: 'object', properties: { token: str, expires_in: { type: 'integer', description: 'Seconds' } }, required: ['token', 'expires_in'] },
      204: { type: 'null', description: 'Development mode: no token needed' },
      ...err,
    },
  },
  'GET /auth/login': {
    summary: 'Starts OIDC sign-in (redirects to the provider)',
    tags: ['auth'],
    security: open,
    querystring: { type: 'object', properties: { return_to: { ...str, description: 'Same-site path to land on afterwards' } } },
    response: { 302: redirect, ...err },
  },
  'GET /auth/callback': {
    summary: "The provider's redirect back; sets the session cookie",
    tags: ['auth'],
    security: open,
    response: { 302: redirect, ...err },
  },
  'POST /auth/logout': {
    summary: 'Ends the session (same-origin requests only)',
    tags: ['auth'],
    security: open,
    response: { 204: { type: 'null', description: 'Signed out' }, ...err },
  },
};
