/**
 * A notification's action buttons from unknown: at most ACTIONS_MAX of `{label, kind: "job",
 * job_type, parameters?}` (the job type and its parameters checked as a job create would, so a
 * button never offers a job that cannot be created) or `{label, kind: "link", url}`.
 */
import type { NotificationActionSpec } from '../protocol/index.js';
import { isAppError, validationError, type FieldError } from '../shared/errors.js';
import { createChecker, isRecord, type Checker } from './validate.js';

export const ACTIONS_MAX = 5;
/** Checks a job action's type and parameters; throws a validation error. */
export type JobCheck = (type: string, parameters: Readonly<Record<string, unknown>>) => void;

const LINK = /^(\/(?!\/)|https?:\/\/)[\x21-\x7e]{0,2000}$/;

function jobAction(
  check: Checker,
  field: string,
  a: Record<string, unknown>,
  label: string,
  checkJob: JobCheck | undefined,
): NotificationActionSpec | undefined {
  const type = check.string(`${field}.job_type`, a.job_type, { max: 64 });
  const parameters = check.object(`${field}.parameters`, a.parameters, 4096) ?? {};
  if (type === undefined) return undefined;
  try {
    checkJob?.(type, parameters);
  } catch (error) {
    if (!isAppError(error)) throw error;
    const fields: readonly FieldError[] = error.fields.length > 0 ? error.fields : [{ field: 'job', message: error.message }];
    for (const f of fields) check.errors.push({ field: `${field}.${f.field}`, message: f.message });
    return undefined;
  }
  return { label, kind: 'job', job_type: type, parameters };
}

function one(check: Checker, field: string, value: unknown, checkJob: JobCheck | undefined): NotificationActionSpec | undefined {
  if (!isRecord(value)) {
    check.errors.push({ field, message: 'must be an object {label, kind, …}' });
    return undefined;
  }
  for (const key of Object.keys(value))
    if (!['label', 'kind', 'job_type', 'parameters', 'url'].includes(key)) check.errors.push({ field: `${field}.${key}`, message: 'is not a known field' });
  const label = check.string(`${field}.label`, value.label, { max: 60 });
  const kind = check.oneOf(`${field}.kind`, value.kind, ['job', 'link'] as const);
  if (label === undefined || kind === undefined) return undefined;
  if (kind === 'job') return jobAction(check, field, value, label, checkJob);
  const url = check.string(`${field}.url`, value.url, { max: 2000 });
  if (url !== undefined && !LINK.test(url)) check.errors.push({ field: `${field}.url`, message: 'must be a path on this server (/…) or an http(s) URL' });
  return url === undefined ? undefined : { label, kind: 'link', url };
}

/** Validates `value` (absent or null: no actions) into `check`'s errors. */
export function parseActions(check: Checker, value: unknown, checkJob: JobCheck | undefined): NotificationActionSpec[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length > ACTIONS_MAX) {
    check.errors.push({ field: 'actions', message: `must be an array of at most ${ACTIONS_MAX} actions` });
    return null;
  }
  const actions = value.map((item, i) => one(check, `actions[${i}]`, item, checkJob));
  return actions.every((a) => a !== undefined) ? (actions as NotificationActionSpec[]) : null;
}

/** For callers outside a create: throws unless `value` is a valid action list. */
export function mustParseActions(value: unknown, checkJob?: JobCheck): NotificationActionSpec[] | null {
  const check = createChecker();
  const actions = parseActions(check, value, checkJob);
  if (check.errors.length > 0) throw validationError(check.errors);
  return actions;
}
