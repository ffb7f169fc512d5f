/**
 * The inputs of a job form, built from the job type's parameter schema (protocol/job-parameters.ts):
 * a number input per integer, a checkbox per boolean, a select per enum, a host or VM picker from
 * the live inventory per `x-inventory` string, a text input otherwise. Each has its inline error
 * below it, tied to it with `aria-describedby`.
 */
import type { ParameterSchema, ParametersSchema } from '../protocol/index.js';
import { h } from './dom.js';
import type { InventoryState } from './inventory-state.js';

export interface JobFields {
  readonly element: HTMLElement;
  /** The values as typed, for the schema check: numbers parsed, empty fields left out. */
  values(): Record<string, unknown>;
  /** Shows `message` under `name`'s input (or clears every error with `showErrors({})`). */
  showErrors(messages: Readonly<Record<string, string>>): void;
  /** Refills the host and VM pickers from the inventory, keeping the choice where it still exists. */
  refresh(inventory: InventoryState): void;
}

interface Field {
  readonly name: string;
  readonly schema: ParameterSchema;
  readonly input: HTMLInputElement | HTMLSelectElement;
  readonly error: HTMLElement;
}

const fieldId = (name: string): string => `job-field-${name}`;

function inputFor(name: string, schema: ParameterSchema, required: boolean): HTMLInputElement | HTMLSelectElement {
  const common = { id: fieldId(name), name, 'aria-describedby': `${fieldId(name)}-error`, required };
  if (schema.type === 'boolean') return h('input', { ...common, type: 'checkbox', checked: schema.default !== false });
  if (schema.type === 'integer')
    return h('input', {
      ...common,
      type: 'number',
      inputmode: 'numeric',
      min: String(schema.minimum),
      max: String(schema.maximum),
      value: schema.default === undefined ? '' : String(schema.default),
    });
  if (schema['x-inventory'] !== undefined || schema.enum !== undefined) {
    const options = (schema.enum ?? []).map((v) => h('option', { value: v, selected: v === schema.default }, v));
    return h('select', common, ...options);
  }
  return h('input', {
    ...common,
    type: 'text',
    maxlength: String(schema.maxLength),
    spellcheck: 'false',
    autocomplete: 'off',
    placeholder: schema.default ?? '',
  });
}

function fillPicker(select: HTMLSelectElement, names: readonly string[], what: string): void {
  const chosen = select.value;
  const options = names.map((n) => h('option', { value: n, selected: n === chosen }, n));
  select.replaceChildren(h('option', { value: '' }, names.length === 0 ? `No ${what}s` : `Choose a ${what}`), ...options);
  if (names.includes(chosen)) select.value = chosen;
}

function valueOf(field: Field): unknown {
  const { input, schema } = field;
  if (schema.type === 'boolean') return (input as HTMLInputElement).checked;
  if (input.value.trim() === '') return undefined;
  if (schema.type === 'integer') {
    const n = Number(input.value);
    return Number.isFinite(n) ? n : input.value;
  }
  return input.value;
}

/** The inputs for `schema`, empty pickers filled by the first `refresh`. */
export function createJobFields(schema: ParametersSchema): JobFields {
  const fields: Field[] = Object.entries(schema.properties).map(([name, property]) => ({
    name,
    schema: property,
    input: inputFor(name, property, schema.required.includes(name)),
    error: h('span', { id: `${fieldId(name)}-error`, class: 'field-error' }),
  }));
  const element = h(
    'div',
    { class: 'job-fields' },
    ...fields.map((f) =>
      h('label', { class: f.schema.type === 'boolean' ? 'check' : '', title: f.schema.description }, f.schema.title ?? f.name, f.input, f.error),
    ),
  );
  let last: InventoryState | undefined;
  const hostField = fields.find((f) => f.schema['x-inventory'] === 'host');
  const vmField = fields.find((f) => f.schema['x-inventory'] === 'vm');
  const refresh = (inventory: InventoryState): void => {
    last = inventory;
    if (hostField !== undefined) fillPicker(hostField.input as HTMLSelectElement, [...inventory.hosts.keys()].sort(), 'host');
    if (vmField !== undefined) {
      const host = hostField?.input.value ?? '';
      const vms = [...inventory.vms.values()].filter((vm) => vm.host_id === host).map((vm) => vm.name);
      fillPicker(vmField.input as HTMLSelectElement, vms.sort(), 'VM');
    }
  };
  hostField?.input.addEventListener('change', () => last !== undefined && refresh(last));
  return {
    element,
    values() {
      const entries = fields.map((f): [string, unknown] => [f.name, valueOf(f)]);
      return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
    },
    showErrors(messages) {
      for (const f of fields) {
        const message = messages[f.name];
        f.error.textContent = message ?? '';
        if (message === undefined) f.input.removeAttribute('aria-invalid');
        else f.input.setAttribute('aria-invalid', 'true');
      }
    },
    refresh,
  };
}
