/** What each /api/v1 route takes and answers, for the OpenAPI document (openapi/install.ts). */
import { HOST_STATUSES, JOB_STATUSES, NOTIFICATION_CATEGORIES, NOTIFICATION_LEVELS, VM_STATES } from '../../protocol/index.js';
import { ref, type Schema } from './components.js';

/** One operation: Fastify's route-schema keys, which @fastify/swagger turns into OpenAPI. */
export interface OperationDoc {
  readonly summary: string;
  readonly tags: readonly string[];
  readonly description?: string;
  readonly querystring?: Schema;
  readonly params?: Schema;
  readonly headers?: Schema;
  readonly body?: Schema;
  /** Status code (or `default`) → answer schema; errors fall back to `default` (Error). */
  readonly response: Readonly<Record<string, Schema>>;
  /** Overrides the document's security: `[]` for routes that need no credential. */
  readonly security?: readonly Readonly<Record<string, readonly string[]>>[];
}

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const name: Schema = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' };
const cursorPage = (field: string, item: Schema): Schema => ({
  type: 'object',
  properties: {
    [field]: { type: 'array', items: item },
    next_cursor: { anyOf: [str, { type: 'null' }], description: 'Pass as `cursor` for the next page; null at the end' },
  },
  required: [field, 'next_cursor'],
});
const list = (field: string, item: Schema): Schema => ({ type: 'object', properties: { [field]: { type: 'array', items: item } }, required: [field] });
const params = (...names: string[]): Schema => ({ type: 'object', properties: Object.fromEntries(names.map((n) => [n, str])), required: names });
const query = (properties: Readonly<Record<string, Schema>>): Schema => ({ type: 'object', properties });
const noContent: Schema = { type: 'null', description: 'No content' };
const idempotency: Schema = query({
  'idempotency-key': { ...str, description: '1–200 visible ASCII characters: a retry with the same key answers the first result' },
});
const err = { default: ref('Error') };
const limit = (dflt: number, max: number): Schema => ({ type: 'integer', minimum: 1, maximum: max, default: dflt });

const vmFields = {
  state: { enum: VM_STATES },
  cpu_count: { type: 'integer', minimum: 1, maximum: 1024 },
  memory_mb: { type: 'integer', minimum: 1, maximum: 67108864 },
};

const hostReport: Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cluster_id: { anyOf: [name, { type: 'null' }] },
    status: { enum: HOST_STATUSES },
    cpu_cores: { type: 'integer', minimum: 0, maximum: 65536 },
    memory_mb: { type: 'integer', minimum: 0, maximum: 1073741824 },
    cpu_usage_percent: { type: 'integer', minimum: 0, maximum: 100 },
    memory_usage_percent: { type: 'integer', minimum: 0, maximum: 100 },
    vms: {
      type: 'array',
      maxItems: 1000,
      description: "The host's complete VM list: VMs not in it are removed",
      items: { type: 'object', additionalProperties: false, properties: { name, ...vmFields }, required: ['name'] },
    },
  },
};

const inventory: Readonly<Record<string, OperationDoc>> = {
  'GET /api/v1/inventory': {
    summary: 'Every cluster, host and VM',
    tags: ['inventory'],
    response: {
      200: {
        type: 'object',
        properties: {
          clusters: { type: 'array', items: ref('Cluster') },
          hosts: { type: 'array', items: ref('Host') },
          vms: { type: 'array', items: ref('Vm') },
        },
        required: ['clusters', 'hosts', 'vms'],
      },
      ...err,
    },
  },
  'GET /api/v1/hosts': { summary: 'Every host', tags: ['inventory'], response: { 200: list('hosts', ref('Host')), ...err } },
  'GET /api/v1/hosts/:host/vms': { summary: "A host's VMs", tags: ['inventory'], params: params('host'), response: { 200: list('vms', ref('Vm')), ...err } },
  'GET /api/v1/vms': {
    summary: 'Every VM, optionally of one state',
    tags: ['inventory'],
    querystring: query({ state: { enum: VM_STATES } }),
    response: { 200: list('vms', ref('Vm')), ...err },
  },
  'GET /api/v1/vms/:host/:vm': { summary: 'One VM', tags: ['inventory'], params: params('host', 'vm'), response: { 200: ref('Vm'), ...err } },
  'PUT /api/v1/hosts/:host': {
    summary: "An agent's report of its host (writer role)",
    tags: ['inventory'],
    params: params('host'),
    body: hostReport,
    response: {
      200: { ...ref('Host'), description: 'The host (with `vms` when they were reported)' },
      201: { ...ref('Host'), description: 'The new host' },
      ...err,
    },
  },
  'POST /api/v1/vms': {
    summary: 'Creates a VM (writer role); 404 unknown host, 409 when it exists',
    tags: ['inventory'],
    body: { type: 'object', additionalProperties: false, properties: { host: name, name, ...vmFields }, required: ['host', 'name'] },
    response: { 201: ref('Vm'), ...err },
  },
  'PUT /api/v1/vms/:host/:vm': {
    summary: 'Changes a VM (writer role)',
    tags: ['inventory'],
    params: params('host', 'vm'),
    body: { type: 'object', additionalProperties: false, properties: vmFields },
    response: { 200: ref('Vm'), ...err },
  },
  'DELETE /api/v1/vms/:host/:vm': {
    summary: 'Removes a VM (writer role)',
    tags: ['inventory'],
    params: params('host', 'vm'),
    response: { 204: noContent, ...err },
  },
};

const jobs: Readonly<Record<string, OperationDoc>> = {
  'GET /api/v1/jobs': {
    summary: 'Jobs, newest first, a page at a time',
    tags: ['jobs'],
    querystring: query({ limit: limit(50, 500), status: { enum: JOB_STATUSES }, cursor: str }),
    response: { 200: cursorPage('jobs', ref('Job')), ...err },
  },
  'GET /api/v1/jobs/types': { summary: 'The job types and their parameters', tags: ['jobs'], response: { 200: list('types', ref('JobType')), ...err } },
  'GET /api/v1/jobs/:id': {
    summary: 'One job with its first 1000 output lines',
    tags: ['jobs'],
    params: params('id'),
    response: {
      200: { allOf: [ref('Job'), { type: 'object', properties: { output: { type: 'array', items: ref('JobOutputLine') } }, required: ['output'] }] },
      ...err,
    },
  },
  'GET /api/v1/jobs/:id/output': {
    summary: "A job's output lines after `after`",
    tags: ['jobs'],
    params: params('id'),
    querystring: query({ after: { type: 'integer', minimum: 0, default: 0 }, limit: limit(1000, 5000) }),
    response: { 200: list('lines', ref('JobOutputLine')), ...err },
  },
  'POST /api/v1/jobs': {
    summary: 'Starts a job (writer role)',
    description:
      "`parameters` must match the type's schema (`GET /api/v1/jobs/types`). Answers 201 with the pending job; a replay of an `Idempotency-Key` answers the first job with `Idempotent-Replayed: true`.",
    tags: ['jobs'],
    headers: idempotency,
    body: { type: 'object', additionalProperties: false, properties: { type: str, parameters: { type: 'object' } }, required: ['type'] },
    response: { 201: ref('Job'), ...err },
  },
  'POST /api/v1/jobs/:id/cancel': {
    summary: 'Cancels a job (writer role); 409 when it already finished',
    tags: ['jobs'],
    params: params('id'),
    response: { 200: ref('Job'), ...err },
  },
};

const withUnread: Schema = { allOf: [ref('Notification'), { type: 'object', properties: { unread_count: int }, required: ['unread_count'] }] };

const notifications: Readonly<Record<string, OperationDoc>> = {
  'GET /api/v1/notifications': {
    summary: "The caller's notifications, newest first, a page at a time",
    tags: ['notifications'],
    querystring: query({
      limit: limit(50, 500),
      unread_only: { type: 'boolean', default: false },
      cursor: str,
      level: { ...str, description: 'Comma-separated levels' },
      category: { ...str, description: 'Comma-separated categories' },
      state: { enum: ['inbox', 'archived', 'snoozed', 'all'], default: 'inbox' },
      condition: { enum: ['any', 'none', 'active', 'resolved', 'unresolved'] },
      condition_key: str,
      seen: { type: 'boolean', description: 'Only those the caller has (true) or has not (false) been shown' },
    }),
    response: {
      200: {
        allOf: [
          cursorPage('notifications', ref('Notification')),
          { type: 'object', properties: { total_count: int, unread_count: int }, required: ['total_count', 'unread_count'] },
        ],
      },
      ...err,
    },
  },
  'GET /api/v1/notifications/:id': {
    summary: 'One notification',
    tags: ['notifications'],
    params: params('id'),
    response: { 200: ref('Notification'), ...err },
  },
  'POST /api/v1/notifications': {
    summary: 'Creates a notification (admin role)',
    tags: ['notifications'],
    headers: idempotency,
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        title: { type: 'string', minLength: 1, maxLength: 200 },
        message: { type: 'string', minLength: 1, maxLength: 4000 },
        level: { enum: NOTIFICATION_LEVELS, default: 'info' },
        category: { enum: NOTIFICATION_CATEGORIES, default: 'system' },
        recipient: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'null' }], description: 'One user; omit for everyone' },
        related_entity: { anyOf: [ref('RelatedEntity'), { type: 'null' }] },
        metadata: { anyOf: [{ type: 'object' }, { type: 'null' }], description: 'At most 16 KiB as JSON' },
        condition_key: { anyOf: [str, { type: 'null' }], description: 'Raising an active condition again answers 200 with it (count + 1), not 201' },
        actions: { anyOf: [{ type: 'array', items: ref('NotificationAction') }, { type: 'null' }] },
      },
      required: ['title', 'message'],
    },
    response: { 201: ref('Notification'), 200: { ...ref('Notification'), description: 'An active condition raised again' }, ...err },
  },
  'PUT /api/v1/notifications/mark-all-read': {
    summary: 'Marks all (up to `before`) read',
    tags: ['notifications'],
    body: { anyOf: [{ type: 'object', properties: { before: { type: 'string', format: 'date-time' } } }, { type: 'null' }] },
    response: { 200: { type: 'object', properties: { count: int, unread_count: int }, required: ['count', 'unread_count'] }, ...err },
  },
  'PUT /api/v1/notifications/:id/read': { summary: 'Marks one read', tags: ['notifications'], params: params('id'), response: { 200: withUnread, ...err } },
  'PUT /api/v1/notifications/:id/unread': { summary: 'Marks one unread', tags: ['notifications'], params: params('id'), response: { 200: withUnread, ...err } },
  'DELETE /api/v1/notifications/:id': {
    summary: 'Deletes one (admin role for notifications addressed to everyone)',
    tags: ['notifications'],
    params: params('id'),
    response: { 204: noContent, ...err },
  },
};

/** Every /api/v1 operation, keyed `METHOD /url` with Fastify's `:param` syntax. */
export const API_OPERATIONS: Readonly<Record<string, OperationDoc>> = { ...inventory, ...jobs, ...notifications };
