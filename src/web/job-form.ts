/** The "Start a job" form: a job type (from GET /api/v1/jobs/types) and its parameters as JSON. */
import type { Job } from '../protocol/index.js';
import { byId, h } from './dom.js';
import type { FleetApi } from './fleet-api.js';

const EXAMPLES: Readonly<Record<string, string>> = {
  sleep: '{"duration_ms": 5000}',
  'vm.start': '{"host": "hv-01", "vm": "web-01"}',
  'vm.stop': '{"host": "hv-01", "vm": "web-01"}',
  backup: '{"host": "hv-01", "vm": "web-01"}',
  'host.maintenance': '{"host": "hv-01", "enable": true}',
  fail: '{"message": "demo failure"}',
};

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
  /** Loads the job types into the form, once: call it when the page is signed in (the socket connected). */
  loadTypes(): void;
}

export function createJobForm(api: FleetApi, started: (job: Job) => void): JobForm {
  const form = byId<HTMLFormElement>('job-form');
  const type = byId<HTMLSelectElement>('job-type');
  const params = byId<HTMLInputElement>('job-params');
  const note = byId('job-form-status');
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  const say = (text: string): void => void (note.textContent = text);

  type.addEventListener('change', () => {
    params.value = EXAMPLES[type.value] ?? '{}';
  });
  let typesLoaded = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const parameters = parseParameters(params.value);
    if (typeof parameters === 'string') return say(parameters);
    if (button !== null) button.disabled = true;
    api
      .createJob(type.value, parameters)
      .then(
        (job) => {
          say(`Started ${job.type}.`);
          started(job);
        },
        (error: unknown) => say(`Could not start the job: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        if (button !== null) button.disabled = false;
      });
  });
  return {
    loadTypes() {
      if (typesLoaded) return;
      typesLoaded = true;
      api.types().then(
        (types) => {
          type.replaceChildren(...types.map((t) => h('option', { value: t.name, title: t.description, selected: t.name === 'sleep' }, t.name)));
          params.value = EXAMPLES[type.value] ?? '{}';
        },
        () => {
          typesLoaded = false;
          say('Could not load the job types.');
        },
      );
    },
  };
}
