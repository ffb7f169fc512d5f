/**
 * Job parameters as JSON Schema: each job type declares its `parameters` with this subset
 * (`GET /api/v1/jobs/types` carries it), the server validates a job's body with
 * `parameterErrors`, and the page renders its form from the same schema and runs the same
 * function for inline errors, so both say the same words. Unknown parameters are left alone.
 */
import { clipQuoted } from './parse.js';

/** One parameter. `x-inventory` asks the page for a picker over the live inventory. */
export type ParameterSchema = {
  readonly description?: string;
  readonly title?: string;
  readonly 'x-inventory'?: 'host' | 'vm';
} & (
  | { readonly type: 'string'; readonly minLength?: number; readonly maxLength: number; readonly enum?: readonly string[]; readonly default?: string }
  | { readonly type: 'integer'; readonly minimum: number; readonly maximum: number; readonly default?: number }
  | { readonly type: 'boolean'; readonly default?: boolean }
);

export interface ParametersSchema {
  readonly type: 'object';
  readonly properties: Readonly<Record<string, ParameterSchema>>;
  readonly required: readonly string[];
}

/**
 * Where the page offers a job type as an action on an inventory row: on `kind` entities whose
 * state (VM) or status (host) is one of `states`, with `parameters` fixed on top of the row's own
 * (`host`, and `vm` for a VM). `destructive` actions ask for confirmation first.
 */
export interface JobRowAction {
  readonly label: string;
  readonly kind: 'vm' | 'host';
  readonly states: readonly string[];
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly destructive?: boolean;
}

/** What `GET /api/v1/jobs/types` lists for each type. */
export interface JobTypeInfo {
  readonly name: string;
  readonly description: string;
  readonly parameters: ParametersSchema;
  readonly actions: readonly JobRowAction[];
}

export interface ParameterError {
  readonly field: string;
  readonly message: string;
}

/** As services/validate.ts `quoteValue`: a received value quoted short, never walked. */
function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(clipQuoted(value));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
}

function checkOne(schema: ParameterSchema, value: unknown): string | undefined {
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') return `must be a string, got ${Array.isArray(value) ? 'array' : typeof value}`;
      const min = schema.minLength ?? 1;
      if (value.trim().length < min) return min === 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (value.length > schema.maxLength) return `must be at most ${schema.maxLength} characters, got ${value.length}`;
      if (schema.enum !== undefined && !schema.enum.includes(value)) return `must be one of ${schema.enum.join(', ')}, got ${quote(value)}`;
      return undefined;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < schema.minimum || value > schema.maximum)
        return `must be an integer from ${schema.minimum} to ${schema.maximum}, got ${quote(value)}`;
      return undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `must be true or false, got ${typeof value}`;
    default: {
      const never: never = schema;
      return `has an unknown schema ${JSON.stringify(never)}`;
    }
  }
}

/** Every problem of `parameters` under `schema`, fields named `<prefix><name>` (the server uses `parameters.`). */
export function parameterErrors(schema: ParametersSchema, parameters: Readonly<Record<string, unknown>>, prefix = ''): ParameterError[] {
  const errors: ParameterError[] = [];
  for (const [name, property] of Object.entries(schema.properties)) {
    const value = parameters[name];
    if (value === undefined || value === null) {
      if (schema.required.includes(name)) errors.push({ field: prefix + name, message: 'is required' });
      continue;
    }
    const message = checkOne(property, value);
    if (message !== undefined) errors.push({ field: prefix + name, message });
  }
  return errors;
}
