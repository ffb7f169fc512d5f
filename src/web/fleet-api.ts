/** The REST calls of the Inventory and Jobs views (first load, an opened job's output, starting a job). */
import type { InventorySnapshot, Job, JobOutputLine, JobTypeInfo } from '../protocol/index.js';
import { call } from './api.js';

/** A job type with its parameter schema and row actions (`GET /api/v1/jobs/types`). */
export type JobType = JobTypeInfo;

export interface FleetApi {
  inventory(): Promise<InventorySnapshot>;
  jobs(): Promise<readonly Job[]>;
  job(id: string): Promise<Job>;
  /** Lines with `seq` > `after`, up to 1000. */
  output(id: string, after: number): Promise<readonly JobOutputLine[]>;
  types(): Promise<readonly JobType[]>;
  createJob(type: string, parameters: Readonly<Record<string, unknown>>): Promise<Job>;
  cancel(id: string): Promise<Job>;
  /** The signed-in user's roles (GET /auth/me), or undefined when unknown. */
  roles(): Promise<readonly string[] | undefined>;
}

const JOBS = '/api/v1/jobs';
const one = (id: string): string => `${JOBS}/${encodeURIComponent(id)}`;

export function createFleetApi(): FleetApi {
  return {
    inventory: () => call<InventorySnapshot>('GET', '/api/v1/inventory'),
    jobs: async () => (await call<{ jobs: Job[] }>('GET', `${JOBS}?limit=100`)).jobs,
    job: (id) => call<Job>('GET', one(id)),
    output: async (id, after) => (await call<{ lines: JobOutputLine[] }>('GET', `${one(id)}/output?after=${after}&limit=1000`)).lines,
    types: async () => (await call<{ types: JobType[] }>('GET', `${JOBS}/types`)).types,
    createJob: (type, parameters) => call<Job>('POST', JOBS, { type, parameters }),
    cancel: (id) => call<Job>('POST', `${one(id)}/cancel`),
    roles: async () => {
      const me = await call<{ roles?: unknown }>('GET', '/auth/me').catch(() => undefined);
      return Array.isArray(me?.roles) ? me.roles.filter((r): r is string => typeof r === 'string') : undefined;
    },
  };
}
