/** What the admin API's routes (routes-admin.ts) take and answer, for the OpenAPI document. */
import { ref, type Schema } from './components.js';
import type { OperationDoc } from './paths-api.js';

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
const err = { default: ref('Error') };
const tags = ['admin'];
const instances: Schema = { type: 'array', items: str, description: 'The instances that answered within ADMIN_SCATTER_TIMEOUT_MS' };
const reason: Schema = { type: 'string', minLength: 1, maxLength: 100, description: 'At most 100 bytes (UTF-8): the client receives it as the close reason' };

const connection: Schema = {
  type: 'object',
  properties: {
    id: str,
    user: str,
    name: str,
    roles: { type: 'array', items: str },
    method: { type: 'string', description: 'How it authenticated: session, ws-token, oidc, api-token, dev' },
    session: nullable(str),
    transport: { enum: ['websocket', 'sse', 'unknown'] },
    remote_address: nullable(str),
    topics: { type: 'array', items: str },
    since: { type: 'string', format: 'date-time' },
    messages_in: int,
    frames_out: int,
    bytes_out: { type: 'integer', description: 'Length of the frames queued to it (characters of text frames)' },
    instance: str,
  },
  required: ['id', 'user', 'session', 'transport', 'topics', 'since', 'instance'],
};

const access: Schema = {
  type: 'object',
  properties: {
    user: str,
    blocked: { type: 'boolean' },
    revoked_roles: { type: 'array', items: { enum: ['user', 'admin'] } },
    reason: nullable(str),
    updated_by: nullable(str),
    updated_at: nullable({ type: 'string', format: 'date-time' }),
  },
  required: ['user', 'blocked', 'revoked_roles'],
};
const userParam: Schema = { type: 'object', properties: { user: str }, required: ['user'] };

/** The admin operations, keyed `METHOD /url`. Every one needs the admin role (403 otherwise) and counts against ADMIN_ACTIONS_PER_MINUTE (429). */
export const ADMIN_OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  'GET /api/v1/admin/connections': {
    summary: 'Every open connection on every instance (admin role)',
    tags,
    description: 'Each instance answers over the bus within ADMIN_SCATTER_TIMEOUT_MS; oldest first, at most `limit` (≤ ADMIN_LIST_MAX).',
    querystring: { type: 'object', properties: { user: { ...str, description: 'Only this user id' }, limit: { type: 'integer', minimum: 1 } } },
    response: {
      200: {
        type: 'object',
        properties: { connections: { type: 'array', items: connection }, matched: int, truncated: { type: 'boolean' }, instances },
        required: ['connections', 'matched', 'truncated', 'instances'],
      },
      ...err,
    },
  },
  'POST /api/v1/admin/disconnect': {
    summary: 'Closes connections on every instance with 4011 and a reason (admin role)',
    tags,
    description: 'Exactly one of connection, session, user. By session or user, the browser sessions end too (sign in again).',
    body: { type: 'object', properties: { connection: str, session: str, user: str, reason }, required: ['reason'] },
    response: {
      200: { type: 'object', properties: { closed: int, sessions_ended: int, instances }, required: ['closed', 'sessions_ended', 'instances'] },
      ...err,
    },
  },
  'GET /api/v1/admin/users/:user/access': {
    summary: "A user's access as administrators set it (admin role)",
    tags,
    params: userParam,
    response: { 200: access, ...err },
  },
  'PUT /api/v1/admin/users/:user/access': {
    summary: 'Blocks a user or takes roles away, at every authentication and at once on their open sockets (admin role)',
    tags,
    params: userParam,
    body: {
      type: 'object',
      properties: { blocked: { type: 'boolean' }, revoked_roles: { type: 'array', items: { enum: ['user', 'admin'] } }, reason },
      required: ['reason'],
    },
    response: { 200: { allOf: [access, { type: 'object', properties: { closed: int, instances }, required: ['closed', 'instances'] }] }, ...err },
  },
};
