/** Validation of inventory writes from unknown. Names are URL-safe so they can sit in paths and topics. */
import { HOST_STATUSES, VM_STATES, type HostStatus, type VmState } from '../protocol/index.js';
import { validationError } from '../shared/errors.js';
import { createChecker, isRecord, type Checker } from './validate.js';

export const NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const MAX_VMS_PER_REPORT = 1000;

export interface HostReport {
  readonly cluster_id?: string | null;
  readonly status?: HostStatus;
  readonly cpu_cores?: number;
  readonly memory_mb?: number;
  readonly cpu_usage_percent?: number;
  readonly memory_usage_percent?: number;
  /** When present: the host's complete VM list; VMs not in it are removed. */
  readonly vms?: readonly VmReport[];
}

export interface VmReport {
  readonly name: string;
  readonly state?: VmState;
  readonly cpu_count?: number;
  readonly memory_mb?: number;
}

export interface VmCreate extends VmReport {
  readonly host: string;
}

/** Throws a validation error unless `value` is a valid host, VM or cluster name. */
export function checkName(field: string, value: string): void {
  if (!NAME_PATTERN.test(value)) throw validationError([{ field, message: 'must be 1–64 characters from A-Z a-z 0-9 . _ -' }]);
}

function name(check: Checker, field: string, value: unknown, optional = false): string | undefined {
  const s = check.string(field, value, { max: 64, optional });
  if (s !== undefined && !NAME_PATTERN.test(s)) check.errors.push({ field, message: 'must be 1–64 characters from A-Z a-z 0-9 . _ -' });
  return s;
}

function body(check: Checker, value: unknown, known: readonly string[]): Record<string, unknown> {
  if (!isRecord(value)) {
    check.errors.push({ field: 'body', message: 'must be a JSON object' });
    check.done();
  }
  const b = value as Record<string, unknown>;
  for (const key of Object.keys(b)) if (!known.includes(key)) check.errors.push({ field: key, message: 'is not a known field' });
  return b;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Checks the VM fields of `b` and sets the given ones on `into`, one by one (a report validates
 * this once per VM; spreading a conditional object per field cost more).
 */
function vmFields(check: Checker, prefix: string, b: Record<string, unknown>, into: Mutable<Omit<VmReport, 'name'>>): void {
  const state = b.state === undefined ? undefined : check.oneOf(`${prefix}state`, b.state, VM_STATES);
  const cpu = check.int(`${prefix}cpu_count`, b.cpu_count, { min: 1, max: 1024, optional: true });
  const mem = check.int(`${prefix}memory_mb`, b.memory_mb, { min: 1, max: 64 * 1024 * 1024, optional: true });
  if (state !== undefined) into.state = state;
  if (cpu !== undefined) into.cpu_count = cpu;
  if (mem !== undefined) into.memory_mb = mem;
}

export function parseHostReport(value: unknown): HostReport {
  const check = createChecker();
  const b = body(check, value, ['cluster_id', 'status', 'cpu_cores', 'memory_mb', 'cpu_usage_percent', 'memory_usage_percent', 'vms']);
  const cluster = b.cluster_id === null ? null : name(check, 'cluster_id', b.cluster_id, true);
  const status = b.status === undefined ? undefined : check.oneOf('status', b.status, HOST_STATUSES);
  const cores = check.int('cpu_cores', b.cpu_cores, { min: 0, max: 65536, optional: true });
  const mem = check.int('memory_mb', b.memory_mb, { min: 0, max: 1024 * 1024 * 1024, optional: true });
  const cpuUse = check.int('cpu_usage_percent', b.cpu_usage_percent, { min: 0, max: 100, optional: true });
  const memUse = check.int('memory_usage_percent', b.memory_usage_percent, { min: 0, max: 100, optional: true });
  let vms: VmReport[] | undefined;
  if (b.vms !== undefined) {
    if (!Array.isArray(b.vms) || b.vms.length > MAX_VMS_PER_REPORT)
      check.errors.push({ field: 'vms', message: `must be an array of at most ${MAX_VMS_PER_REPORT} VMs` });
    else {
      vms = [];
      const seen = new Set<string>();
      b.vms.forEach((vm: unknown, i) => {
        const prefix = `vms[${i}].`;
        if (!isRecord(vm)) return void check.errors.push({ field: `vms[${i}]`, message: 'must be a JSON object' });
        for (const key of Object.keys(vm))
          if (!['name', 'state', 'cpu_count', 'memory_mb'].includes(key)) check.errors.push({ field: prefix + key, message: 'is not a known field' });
        const n = name(check, `${prefix}name`, vm.name);
        if (n !== undefined && seen.has(n)) check.errors.push({ field: `${prefix}name`, message: 'is listed twice' });
        if (n !== undefined) seen.add(n);
        const report: Mutable<VmReport> = { name: n ?? '' };
        vmFields(check, prefix, vm, report);
        vms?.push(report);
      });
    }
  }
  check.done();
  return {
    ...(cluster !== undefined ? { cluster_id: cluster } : {}),
    ...(status !== undefined ? { status } : {}),
    ...(cores !== undefined ? { cpu_cores: cores } : {}),
    ...(mem !== undefined ? { memory_mb: mem } : {}),
    ...(cpuUse !== undefined ? { cpu_usage_percent: cpuUse } : {}),
    ...(memUse !== undefined ? { memory_usage_percent: memUse } : {}),
    ...(vms !== undefined ? { vms } : {}),
  };
}

export function parseVmCreate(value: unknown): VmCreate {
  const check = createChecker();
  const b = body(check, value, ['host', 'name', 'state', 'cpu_count', 'memory_mb']);
  const host = name(check, 'host', b.host);
  const vmName = name(check, 'name', b.name);
  const fields: Mutable<Omit<VmReport, 'name'>> = {};
  vmFields(check, '', b, fields);
  check.done();
  return { host: host as string, name: vmName as string, ...fields };
}

export function parseVmUpdate(value: unknown): Omit<VmReport, 'name'> {
  const check = createChecker();
  const b = body(check, value, ['state', 'cpu_count', 'memory_mb']);
  const fields: Mutable<Omit<VmReport, 'name'>> = {};
  vmFields(check, '', b, fields);
  check.done();
  return fields;
}
