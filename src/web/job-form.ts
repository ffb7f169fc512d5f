/**
 * The "Start a job" form: a job type (from GET /api/v1/jobs/types) and a form built from its
 * parameter schema, checked inline with the server's own rules (protocol/job-parameters.ts) before
 * it is sent; problems the server finds are shown on their fields too. "Advanced" takes the
 * parameters as raw JSON instead.
 */
import { parameterErrors, type Job, type JobTypeInfo } from '../protocol/index.js';
import { ApiError } from './api.js';
import { byId, h } from './dom.js';
import type { FleetApi } from './fleet-api.js';
import type { InventoryState } from './inventory-state.js';
import { createJobFields, type JobFields } from './job-fields.js';

/** Parameters typed by a person: a JSON object, or an explanation of what is wrong. */
export function parseParameters(text: string): Record<string, unknown> | string {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    return 'Parameters must be a JSON object, like {"duration_ms": 5000}.';
  } catch {
    return 'Parameters are not valid JSON.';
  }
}

export interface JobForm {
  /** The job types (GET /api/v1/jobs/types) to offer. */
  setTypes(list: readonly JobTypeInfo[]): void;
  /** The inventory changed: refills the host and VM pickers. */
  inventoryChanged(): void;
}

/** `{"parameters.host": "is required"}` → `{host: "is required"}`; other fields are left out. */
function byParameter(errors: readonly { field: string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) if (e.field.startsWith('parameters.')) out[e.field.slice('parameters.'.length)] ??= e.message;
  return out;
}

export function createJobForm(api: FleetApi, inventory: () => InventoryState, started: (job: Job) => void): JobForm {
  const form = byId<HTMLFormElement>('job-form');
  const type = byId<HTMLSelectElement>('job-type');
  const holder = byId('job-fields');
  const advanced = byId<HTMLDetailsElement>('job-advanced');
  const params = byId<HTMLInputElement>('job-params');
  const note = byId('job-form-status');
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  const say = (text: string): void => void (note.textContent = text);
  let types = new Map<string, JobTypeInfo>();
  let fields: JobFields | undefined;

  function choose(name: string): void {
    const info = types.get(name);
    fields = info === undefined ? undefined : createJobFields(info.parameters);
    holder.replaceChildren(...(fields === undefined ? [] : [fields.element]));
    fields?.refresh(inventory());
    params.value = JSON.stringify(fields?.values() ?? {});
    say(info?.description ?? '');
  }
  type.addEventListener('change', () => choose(type.value));

  function submit(parameters: Record<string, unknown>): void {
    if (button !== null) button.disabled = true;
    api
      .createJob(type.value, parameters)
      .then(
        (job) => {
          say(`Started ${job.type}.`);
          started(job);
        },
        (error: unknown) => {
          if (error instanceof ApiError) fields?.showErrors(byParameter(error.fields));
          say(`Could not start the job: ${error instanceof Error ? error.message : String(error)}`);
        },
      )
      .finally(() => {
        if (button !== null) button.disabled = false;
      });
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (advanced.open) {
      const parameters = parseParameters(params.value);
      return typeof parameters === 'string' ? say(parameters) : submit(parameters);
    }
    const info = types.get(type.value);
    if (fields === undefined || info === undefined) return;
    const values = fields.values();
    const problems = byParameter(parameterErrors(info.parameters, values, 'parameters.'));
    fields.showErrors(problems);
    if (Object.keys(problems).length > 0) return say('Fix the fields marked below.');
    submit(values);
  });
  return {
    setTypes(list) {
      types = new Map(list.map((t) => [t.name, t]));
      type.replaceChildren(...list.map((t) => h('option', { value: t.name, title: t.description, selected: t.name === 'sleep' }, t.name)));
      choose(type.value);
    },
    inventoryChanged: () => fields?.refresh(inventory()),
  };
}
