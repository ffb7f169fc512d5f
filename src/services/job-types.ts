/**
 * The registry of job types. A type validates its parameters and plans its steps; the runner
 * executes one step per tick (`JOB_TICK_MS`), each in one transaction with the job's progress, its
 * output lines and any inventory change the step makes.
 */
import type { JobRowAction, ParameterSchema, ParametersSchema } from '../protocol/index.js';
import { AppError } from '../shared/errors.js';
import type { InventoryMutations } from './inventory.js';
import type { WriteContext } from './tx.js';

/** Thrown by a step: the job fails with this message (no stack, safe to show). */
export class JobFailure extends Error {
  override readonly name = 'JobFailure';
}

export interface StepContext {
  readonly ctx: WriteContext;
  readonly inventory: InventoryMutations;
  /** Adds an output line to this step. */
  log(line: string): void;
}

export interface JobStep {
  /** Progress (0–100) once the step is done; the last step of a job ends at 100. */
  readonly progress: number;
  readonly output?: readonly string[];
  readonly apply?: (step: StepContext) => Promise<void>;
}

export interface JobType {
  readonly name: string;
  readonly description: string;
  /** The parameters as JSON Schema: jobs.ts validates a job's body with it, the page builds its form from it. */
  readonly parameters: ParametersSchema;
  /** Where the page offers it on an inventory row (none: only from the Jobs form). */
  readonly actions: readonly JobRowAction[];
  /** The steps, planned when the job starts. */
  plan(parameters: Readonly<Record<string, unknown>>, tickMs: number): readonly JobStep[];
  /** A short human name for lists and notifications ("Start VM hv-01/web-01"). */
  title(parameters: Readonly<Record<string, unknown>>): string;
}

const str = (p: Readonly<Record<string, unknown>>, name: string): string => String(p[name]);

const HOST: ParameterSchema = { type: 'string', maxLength: 64, title: 'Host', 'x-inventory': 'host' };
const VM: ParameterSchema = { type: 'string', maxLength: 64, title: 'VM', description: 'A VM of the host', 'x-inventory': 'vm' };
const HOST_AND_VM: ParametersSchema = { type: 'object', properties: { host: HOST, vm: VM }, required: ['host', 'vm'] };

function vmPower(name: 'vm.start' | 'vm.stop'): JobType {
  const starting = name === 'vm.start';
  const [transient, final] = starting ? (['starting', 'running'] as const) : (['stopping', 'off'] as const);
  return {
    name,
    description: starting ? 'Starts a VM: off → starting → running' : 'Stops a VM: running → stopping → off',
    parameters: HOST_AND_VM,
    actions: starting
      ? [{ label: 'Start', kind: 'vm', states: ['off', 'saved', 'paused'] }]
      : [{ label: 'Stop', kind: 'vm', states: ['running', 'paused'], destructive: true }],
    title: (p) => `${starting ? 'Start' : 'Stop'} VM ${str(p, 'host')}/${str(p, 'vm')}`,
    plan(p) {
      const host = str(p, 'host');
      const vm = str(p, 'vm');
      let already = false;
      return [
        {
          progress: 10,
          async apply(step) {
            const found = await step.ctx.tx.inventory.vm(host, vm);
            if (found === undefined) throw new JobFailure(`VM ${host}/${vm} not found`);
            if (found.state === final) {
              already = true;
              step.log(`VM ${host}/${vm} is already ${final}`);
              return;
            }
            step.log(`${starting ? 'Starting' : 'Stopping'} VM ${host}/${vm} (was ${found.state})`);
            await step.inventory.saveVm(step.ctx, host, vm, { state: transient }, 'update');
          },
        },
        { progress: 50, output: [starting ? 'Waiting for the guest to boot' : 'Sending shutdown to the guest'] },
        {
          progress: 100,
          async apply(step) {
            if (already) return;
            await step.inventory.saveVm(step.ctx, host, vm, { state: final }, 'update');
            step.log(`VM ${host}/${vm} is ${final}`);
          },
        },
      ];
    },
  };
}

const hostMaintenance: JobType = {
  name: 'host.maintenance',
  description: 'Puts a host into maintenance (enable: true, the default) or takes it out (enable: false)',
  parameters: {
    type: 'object',
    properties: { host: HOST, enable: { type: 'boolean', default: true, title: 'Enable', description: 'true: into maintenance; false: back to service' } },
    required: ['host'],
  },
  actions: [
    { label: 'Start maintenance', kind: 'host', states: ['connected'], parameters: { enable: true }, destructive: true },
    { label: 'End maintenance', kind: 'host', states: ['maintenance'], parameters: { enable: false } },
  ],
  title: (p) => `${p.enable === false ? 'End' : 'Start'} maintenance on ${str(p, 'host')}`,
  plan(p) {
    const host = str(p, 'host');
    const enable = p.enable !== false;
    return [
      {
        progress: 30,
        async apply(step) {
          const found = await step.ctx.tx.inventory.host(host);
          if (found === undefined) throw new JobFailure(`host ${host} not found`);
          if (enable && found.status === 'disconnected') throw new JobFailure(`host ${host} is disconnected`);
          step.log(enable ? `Draining host ${host}` : `Returning host ${host} to service`);
        },
      },
      {
        progress: 100,
        async apply(step) {
          await step.inventory.saveHost(step.ctx, host, { status: enable ? 'maintenance' : 'connected' });
          step.log(`Host ${host} is ${enable ? 'in maintenance' : 'connected'}`);
        },
      },
    ];
  },
};

const backup: JobType = {
  name: 'backup',
  description: 'Backs up a VM (host, vm) to a target; credentials for the target are accepted and redacted',
  parameters: {
    type: 'object',
    properties: {
      ...HOST_AND_VM.properties,
      target: { type: 'string', maxLength: 200, title: 'Target', description: 'Where to store it (default target when empty)' },
    },
    required: ['host', 'vm'],
  },
  actions: [{ label: 'Back up', kind: 'vm', states: ['running', 'off', 'paused', 'saved'] }],
  title: (p) => `Back up VM ${str(p, 'host')}/${str(p, 'vm')}`,
  plan(p) {
    const host = str(p, 'host');
    const vm = str(p, 'vm');
    const disks = 3;
    const steps: JobStep[] = [
      {
        progress: 10,
        async apply(step) {
          if ((await step.ctx.tx.inventory.vm(host, vm)) === undefined) throw new JobFailure(`VM ${host}/${vm} not found`);
          step.log(`Taking a checkpoint of ${host}/${vm}`);
        },
      },
    ];
    for (let disk = 1; disk <= disks; disk++) steps.push({ progress: 10 + Math.round((80 * disk) / disks), output: [`Copied disk ${disk} of ${disks}`] });
    steps.push({ progress: 100, output: [`Backup of ${host}/${vm} stored at ${typeof p.target === 'string' ? p.target : 'the default target'}`] });
    return steps;
  },
};

const sleep: JobType = {
  name: 'sleep',
  description: 'Waits duration_ms (default 1000), advancing progress each tick (for tests and demos)',
  parameters: {
    type: 'object',
    properties: { duration_ms: { type: 'integer', minimum: 0, maximum: 3_600_000, default: 1000, title: 'Duration (ms)' } },
    required: [],
  },
  actions: [],
  title: (p) => `Sleep ${typeof p.duration_ms === 'number' ? p.duration_ms : 1000} ms`,
  plan(p, tickMs) {
    const duration = typeof p.duration_ms === 'number' ? p.duration_ms : 1000;
    const n = Math.max(1, Math.ceil(duration / Math.max(1, tickMs)));
    return Array.from({ length: n }, (_, i) => ({ progress: Math.round(((i + 1) * 100) / n), output: i === n - 1 ? ['Done sleeping'] : [] }));
  },
};

const fail: JobType = {
  name: 'fail',
  description: 'Runs to 50% and then fails with `message` (for tests)',
  parameters: { type: 'object', properties: { message: { type: 'string', maxLength: 500, title: 'Message', default: 'failed as requested' } }, required: [] },
  actions: [],
  title: () => 'Failing job',
  plan(p) {
    const message = typeof p.message === 'string' ? p.message : 'failed as requested';
    return [
      { progress: 50, output: ['About to fail'] },
      {
        progress: 100,
        async apply() {
          throw new JobFailure(message);
        },
      },
    ];
  },
};

export type JobTypeRegistry = ReadonlyMap<string, JobType>;

/** The built-in job types: vm.start, vm.stop, host.maintenance, backup, sleep, fail. */
export function builtinJobTypes(): JobTypeRegistry {
  return new Map([vmPower('vm.start'), vmPower('vm.stop'), hostMaintenance, backup, sleep, fail].map((t) => [t.name, t]));
}

export function jobTypeOf(registry: JobTypeRegistry, name: string): JobType {
  const type = registry.get(name);
  if (type === undefined)
    throw new AppError('validation_failed', `unknown job type ${JSON.stringify(name)}`, [
      { field: 'type', message: `must be one of ${[...registry.keys()].join(', ')}` },
    ]);
  return type;
}
