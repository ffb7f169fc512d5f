/**
 * Human-readable lines for `watch`: one line per event, `HH:MM:SS  type.action  details`, with
 * colour by level or status when the painter has it. Unknown message types still get a line
 * (their data as compact JSON), so new server events are never silently dropped.
 */
import { clean, truncate, type Paint, type Style } from './output.js';

type Msg = { readonly type: string; readonly [key: string]: unknown };
type Rec = Record<string, unknown>;

const LEVEL_STYLES: Readonly<Record<string, Style>> = { info: 'cyan', success: 'green', warning: 'yellow', error: 'red' };
const STATUS_STYLES: Readonly<Record<string, Style>> = {
  pending: 'dim',
  running: 'cyan',
  completed: 'green',
  failed: 'red',
  cancelled: 'yellow',
  connected: 'green',
  disconnected: 'red',
  maintenance: 'yellow',
  starting: 'cyan',
  stopping: 'cyan',
  off: 'dim',
  paused: 'yellow',
  saved: 'dim',
};

function rec(value: unknown): Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Rec) : {};
}

/** Server data as display text, with control characters replaced: only our own escapes reach the terminal. */
function str(value: unknown): string {
  if (typeof value === 'string') return clean(value);
  if (value === undefined || value === null) return '';
  return clean(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

function clock(date = new Date()): string {
  return date.toTimeString().slice(0, 8);
}

function clockOf(iso: unknown): string {
  const date = typeof iso === 'string' ? new Date(iso) : new Date(NaN);
  return Number.isNaN(date.getTime()) ? clock() : clock(date);
}

function head(paint: Paint, time: string, label: string): string {
  return `${paint('dim', time)}  ${paint('bold', label.padEnd(21))} `;
}

function notificationLine(paint: Paint, n: Rec): string {
  const level = str(n.level);
  const to = typeof n.recipient === 'string' ? `  → ${n.recipient}` : '';
  const text = truncate(clean(`${str(n.title)}: ${str(n.message)}`), 160);
  return `${paint(LEVEL_STYLES[level], level.padEnd(7))} ${str(n.category).padEnd(14)} ${text}${to}  ${paint('dim', str(n.id))}`;
}

function formatNotification(paint: Paint, m: Msg): string {
  const action = str(m.action);
  const data = rec(m.data);
  const label = head(paint, clock(), `notification.${action}`);
  const unread = typeof m.unread_count === 'number' ? paint('dim', `  (${m.unread_count} unread)`) : '';
  switch (action) {
    case 'created':
      return `${label}${notificationLine(paint, data)}${unread}`;
    case 'updated':
      return `${label}${data.read === true ? 'read  ' : 'unread'}  ${str(data.id)}${unread}`;
    case 'deleted':
      return `${label}${str(data.id)}${data.reason === 'retention' ? ' (retention)' : ''}${unread}`;
    case 'all_read':
    case 'bulk_read':
      return `${label}${str(data.count)} marked read${unread}`;
    case 'bulk_archived':
      return `${label}${str(data.count)} archived${unread}`;
    case 'raised':
    case 'resolved':
      return `${label}${str(data.condition_key)} ×${str(data.count)}  ${paint('dim', str(data.id))}${unread}`;
    case 'seen':
    case 'archived':
    case 'unarchived':
    case 'unsnoozed':
      return `${label}${str(data.id)}${unread}`;
    case 'snoozed':
      return `${label}${str(data.id)} until ${str(data.snoozed_until)}${unread}`;
    default:
      return `${label}${truncate(clean(JSON.stringify(data)), 200)}`;
  }
}

function jobSummary(paint: Paint, job: Rec): string {
  const status = str(job.status);
  const error = typeof job.error === 'string' ? `  ${truncate(clean(job.error), 100)}` : '';
  return `${str(job.id)}  ${str(job.type).padEnd(16)} ${paint(STATUS_STYLES[status], status.padEnd(9))} ${String(job.progress ?? 0).padStart(3)}%${error}`;
}

function formatJob(paint: Paint, m: Msg): string {
  const action = str(m.action);
  const data = rec(m.data);
  const label = head(paint, clock(), `job.${action}`);
  if (action === 'output') {
    const lines = Array.isArray(data.lines) ? data.lines.map(rec) : [];
    return lines.map((line) => `${label}${str(data.id)}  | ${truncate(clean(str(line.text)), 200)}`).join('\n') || `${label}${str(data.id)}`;
  }
  if (action === 'deleted') return `${label}${str(data.id)}${data.reason === 'retention' ? ' (retention)' : ''}`;
  return `${label}${jobSummary(paint, rec(data.job ?? data))}`;
}

function changesText(changes: Rec): string {
  return Object.entries(changes)
    .map(([k, v]) => `${k}=${str(v)}`)
    .join(' ');
}

function formatInventory(paint: Paint, m: Msg): string {
  const action = str(m.action);
  const data = rec(m.data);
  const entity = rec(data.entity);
  const state = str(entity.state ?? entity.status);
  // Server text is cleaned before it is painted, so only our own escape codes reach the terminal.
  const detail =
    action === 'updated' ? truncate(clean(changesText(rec(data.changes))), 160) : action === 'created' ? paint(STATUS_STYLES[state], clean(state)) : '';
  const tail = detail === '' ? '' : `  ${detail}`;
  return `${head(paint, clock(), `inventory.${action}`)}${str(data.kind).padEnd(8)} ${str(data.id)}${tail}`;
}

/** One or more lines (joined by newlines, no trailing one) for a topic event. */
export function formatEvent(paint: Paint, m: Msg): string {
  switch (m.type) {
    case 'notification':
      return formatNotification(paint, m);
    case 'job':
      return formatJob(paint, m);
    case 'inventory':
      return formatInventory(paint, m);
    default: {
      const label = typeof m.action === 'string' ? `${str(m.type)}.${str(m.action)}` : str(m.type);
      const { type: _t, action: _a, topic: _p, offset: _o, ...rest } = m;
      return `${head(paint, clock(), label)}${truncate(clean(JSON.stringify(rest.data ?? rest)), 200)}`;
    }
  }
}

/** Lines for an `initial_state`: each notification (oldest first) and job, and an inventory summary. */
export function formatSnapshot(paint: Paint, data: Rec): string[] {
  const lines: string[] = [];
  if (Array.isArray(data.notifications)) {
    for (const n of [...(data.notifications as unknown[])].reverse().map(rec))
      lines.push(`${head(paint, clockOf(n.created_at), 'notification')}${notificationLine(paint, n)}`);
  }
  if (Array.isArray(data.jobs)) {
    for (const job of [...(data.jobs as unknown[])].reverse().map(rec)) lines.push(`${head(paint, clockOf(job.updated_at), 'job')}${jobSummary(paint, job)}`);
  }
  const inventory = rec(data.inventory);
  if (Object.keys(inventory).length > 0) {
    const count = (key: string): number => (Array.isArray(inventory[key]) ? (inventory[key] as unknown[]).length : 0);
    lines.push(
      `${head(paint, clock(), 'inventory')}${count('clusters')} clusters, ${count('hosts')} hosts, ${count('vms')} VMs (aether-v inventory lists them)`,
    );
  }
  return lines;
}
