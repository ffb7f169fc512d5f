/**
 * JSON Schemas (2020-12, as OpenAPI 3.1 reads them) of the entities the REST API answers with.
 * They document; they validate nothing on the request path (openapi/install.ts says why).
 * test/integration/openapi.test.ts checks real answers against them, so they stay true.
 */
import {
  CONDITION_FILTERS,
  HOST_STATUSES,
  JOB_STATUSES,
  NOTIFICATION_CATEGORIES,
  NOTIFICATION_LEVELS,
  NOTIFICATION_STATES,
  VM_STATES,
} from '../../protocol/index.js';

/** A JSON Schema object; loose on purpose: these are data, read by @fastify/swagger and ajv. */
export type Schema = Readonly<Record<string, unknown>>;

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const time: Schema = { type: 'string', format: 'date-time' };
const nullable = (schema: Schema): Schema => ({ anyOf: [schema, { type: 'null' }] });
const object = (properties: Readonly<Record<string, Schema>>, required: readonly string[] = Object.keys(properties)): Schema => ({
  type: 'object',
  properties,
  required,
});

/** `{ $ref }` to a component named here (the document's `#/components/schemas/<name>`). */
export const ref = (name: ComponentName): Schema => ({ $ref: `${name}#` });

const Error_ = {
  ...object(
    {
      detail: { ...str, description: 'What went wrong, for people (at most 500 characters)' },
      code: { ...str, description: 'Stable code to switch on: validation_failed, not_found, forbidden, conflict, …' },
      errors: { type: 'array', items: object({ field: str, message: str }), description: 'Per-field problems (validation_failed)' },
    },
    ['detail', 'code'],
  ),
  description: 'Every error answer',
};

const Cluster = object({ id: str, name: str, version: int, created_at: time, updated_at: time });

const Host = object({
  id: { ...str, description: 'The host name; unique' },
  cluster_id: nullable(str),
  status: { enum: HOST_STATUSES },
  last_seen: { ...nullable(time), description: 'When its agent last reported, or null' },
  cpu_cores: int,
  memory_mb: int,
  cpu_usage_percent: { type: 'integer', minimum: 0, maximum: 100 },
  memory_usage_percent: { type: 'integer', minimum: 0, maximum: 100 },
  version: int,
  created_at: time,
  updated_at: time,
});

const Vm = object({
  id: { ...str, description: '`<host>/<name>`' },
  host_id: str,
  name: str,
  state: { enum: VM_STATES },
  cpu_count: int,
  memory_mb: int,
  version: int,
  created_at: time,
  updated_at: time,
});

const Job = object({
  id: str,
  type: str,
  status: { enum: JOB_STATUSES },
  progress: { type: 'integer', minimum: 0, maximum: 100 },
  parameters: { type: 'object', description: 'As given; parameters named like secrets read "[REDACTED]"' },
  created_by: str,
  created_at: time,
  started_at: nullable(time),
  finished_at: nullable(time),
  updated_at: time,
  error: { ...nullable(str), description: 'Why it failed or was cancelled' },
  output_count: int,
  version: int,
});

const JobOutputLine = object({ seq: int, text: str, at: time });

const JobType = object({
  name: str,
  description: str,
  parameters: {
    description: 'JSON Schema (a subset: string, integer, boolean, enum) of the `parameters` of POST /api/v1/jobs; `x-inventory` marks a host or VM name',
    ...object({
      type: { const: 'object' },
      properties: { type: 'object', additionalProperties: { type: 'object', required: ['type'] } },
      required: { type: 'array', items: str },
    }),
  },
  actions: {
    type: 'array',
    description: 'Where the page offers this type on an inventory row',
    items: object(
      {
        label: str,
        kind: { enum: ['vm', 'host'] },
        states: { type: 'array', items: str, description: "The VM's state or the host's status it applies to" },
        parameters: { type: 'object', description: "Fixed on top of the row's own host (and vm)" },
        destructive: { type: 'boolean', description: 'Asks for confirmation first' },
      },
      ['label', 'kind', 'states'],
    ),
  },
});

const RelatedEntity = object({ type: str, id: str, name: str }, ['type', 'id']);

const NotificationBase = object({
  id: str,
  title: str,
  message: str,
  level: { enum: NOTIFICATION_LEVELS },
  category: { enum: NOTIFICATION_CATEGORIES },
  created_at: time,
  read: { type: 'boolean' },
  recipient: { ...nullable(str), description: 'The one user it is addressed to, or null for everyone' },
  related_entity: nullable(ref('RelatedEntity')),
  metadata: nullable({ type: 'object' }),
});

/** The inbox's fields, sent by this server on every notification (optional for older servers). */
const NotificationInbox: Readonly<Record<string, Schema>> = {
  condition_key: { ...nullable(str), description: 'The condition it reports (`host:hv-03:unreachable`); one active notification per key' },
  count: { ...int, description: 'How many times the condition was raised' },
  last_seen_at: time,
  resolved_at: nullable(time),
  seen: { type: 'boolean', description: 'This user has had it shown' },
  archived: { type: 'boolean', description: 'This user archived it' },
  snoozed_until: nullable(time),
  actions: nullable({ type: 'array', items: ref('NotificationAction') }),
};

const NotificationAction = object(
  {
    label: str,
    kind: { enum: ['job', 'link'] },
    job_type: str,
    parameters: { type: 'object' },
    url: { ...str, description: 'A path on this server or an http(s) URL' },
  },
  ['label', 'kind'],
);

const NotificationFilter: Schema = {
  type: 'object',
  description: 'Which notifications a list, count or bulk change covers (docs/PROTOCOL.md, Inbox filters)',
  properties: {
    levels: { type: 'array', items: { enum: NOTIFICATION_LEVELS } },
    categories: { type: 'array', items: { enum: NOTIFICATION_CATEGORIES } },
    state: { enum: NOTIFICATION_STATES },
    condition: { enum: CONDITION_FILTERS },
    condition_key: str,
    seen: { type: 'boolean', description: 'Only those the caller has (true) or has not (false) been shown' },
  },
};

/** Every named schema; each becomes `#/components/schemas/<name>`. */
const Notification: Schema = {
  ...NotificationBase,
  properties: { ...(NotificationBase.properties as Readonly<Record<string, Schema>>), ...NotificationInbox },
};

export const COMPONENTS = {
  Error: Error_,
  Cluster,
  Host,
  Vm,
  Job,
  JobOutputLine,
  JobType,
  RelatedEntity,
  Notification,
  NotificationAction,
  NotificationFilter,
} as const;
export type ComponentName = keyof typeof COMPONENTS;
