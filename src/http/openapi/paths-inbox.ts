/** What the inbox's routes (routes-inbox.ts) take and answer, for the OpenAPI document. */
import { ref, type Schema } from './components.js';
import type { OperationDoc } from './paths-api.js';

const int: Schema = { type: 'integer' };
const err = { default: ref('Error') };
const id: Schema = { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] };
const withUnread: Schema = { allOf: [ref('Notification'), { type: 'object', properties: { unread_count: int }, required: ['unread_count'] }] };
const countAndUnread: Schema = { type: 'object', properties: { count: int, unread_count: int }, required: ['count', 'unread_count'] };
const tags = ['inbox'];

const state = (suffix: string, summary: string): Record<string, OperationDoc> => ({
  [`PUT /api/v1/notifications/:id/${suffix}`]: { summary, tags, params: id, response: { 200: withUnread, ...err } },
});

/** The inbox operations, keyed `METHOD /url`. */
export const INBOX_OPERATIONS: Readonly<Record<string, OperationDoc>> = {
  ...state('seen', 'Marks one seen by the caller (it stays unread)'),
  ...state('archive', 'Archives one for the caller'),
  ...state('unarchive', 'Takes one out of the archive'),
  ...state('unsnooze', 'Ends a snooze'),
  'PUT /api/v1/notifications/:id/snooze': {
    summary: 'Snoozes one for the caller, at most 30 days',
    tags,
    params: id,
    body: {
      type: 'object',
      description: 'Exactly one of until or minutes',
      properties: { until: { type: 'string', format: 'date-time' }, minutes: { type: 'integer', minimum: 1, maximum: 43200 } },
    },
    response: { 200: withUnread, ...err },
  },
  'PUT /api/v1/notifications/seen': {
    summary: 'Marks several seen by the caller',
    tags,
    body: { type: 'object', properties: { ids: { type: 'array', items: { type: 'string' } } }, required: ['ids'] },
    response: {
      200: {
        type: 'object',
        properties: { notifications: { type: 'array', items: ref('Notification') }, unread_count: int },
        required: ['notifications', 'unread_count'],
      },
      ...err,
    },
  },
  'POST /api/v1/notifications/resolve': {
    summary: 'Resolves the active notification of a condition (admin role)',
    tags,
    body: { type: 'object', properties: { condition_key: { type: 'string' }, read: { type: 'boolean', default: false } }, required: ['condition_key'] },
    response: { 200: withUnread, ...err },
  },
  'POST /api/v1/notifications/counts': {
    summary: "The caller's unread counts for up to 8 filters",
    tags,
    body: { type: 'object', properties: { filters: { type: 'array', maxItems: 8, items: ref('NotificationFilter') } }, required: ['filters'] },
    response: { 200: { type: 'object', properties: { counts: { type: 'array', items: int } }, required: ['counts'] }, ...err },
  },
  'POST /api/v1/notifications/bulk': {
    summary: 'Marks read or archives every notification that matches a filter (up to `before`)',
    tags,
    body: {
      type: 'object',
      properties: { op: { enum: ['read', 'archive'] }, filter: ref('NotificationFilter'), before: { type: 'string', format: 'date-time' } },
      required: ['op'],
    },
    response: { 200: countAndUnread, ...err },
  },
  'POST /api/v1/notifications/:id/actions/:index': {
    summary: "Runs a notification's job action (writer role): creates the job as the caller",
    tags,
    params: { type: 'object', properties: { id: { type: 'string' }, index: { type: 'string', pattern: '^\\d{1,2}$' } }, required: ['id', 'index'] },
    response: {
      201: {
        type: 'object',
        properties: { job: ref('Job'), notification_id: { type: 'string' }, action: int, run_by: { type: 'string' } },
        required: ['job', 'notification_id', 'action', 'run_by'],
      },
      ...err,
    },
  },
};
