/**
 * Inventory and job entities and the data of their events, as carried by REST, `initial_state`
 * and the `inventory` / `job` events. docs/PROTOCOL.md describes every field.
 */

export const HOST_STATUSES = ['connected', 'disconnected', 'maintenance'] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];
export const VM_STATES = ['running', 'off', 'paused', 'saved', 'starting', 'stopping'] as const;
export type VmState = (typeof VM_STATES)[number];
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** Statuses a job never leaves. */
export const JOB_FINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export interface Cluster {
  readonly id: string;
  readonly name: string;
  readonly version: number;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface Host {
  /** The host name; unique. */
  readonly id: string;
  readonly cluster_id: string | null;
  readonly status: HostStatus;
  /** When the host (its agent) last reported, or null when never. */
  readonly last_seen: string | null;
  readonly cpu_cores: number;
  readonly memory_mb: number;
  readonly cpu_usage_percent: number;
  readonly memory_usage_percent: number;
  readonly version: number;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface Vm {
  /** `<host>/<name>`. */
  readonly id: string;
  readonly host_id: string;
  readonly name: string;
  readonly state: VmState;
  readonly cpu_count: number;
  readonly memory_mb: number;
  readonly version: number;
  readonly created_at: string;
  readonly updated_at: string;
}

export type InventoryKind = 'cluster' | 'host' | 'vm';
export type InventoryEntity = Cluster | Host | Vm;
export type InventoryAction = 'created' | 'updated' | 'deleted';

/**
 * `data` of an `inventory` event. `changes` holds the fields that changed with their new values
 * (every field for `created`, none for `deleted`); `entity` is the whole entity after the change
 * (before it, for `deleted`). `version` is the entity's version after the change.
 */
export interface InventoryEventData {
  readonly kind: InventoryKind;
  readonly id: string;
  readonly version: number;
  readonly changes: Readonly<Record<string, unknown>>;
  readonly entity: InventoryEntity;
}

export interface InventorySnapshot {
  readonly clusters: readonly Cluster[];
  readonly hosts: readonly Host[];
  readonly vms: readonly Vm[];
}

/** A job as every reader sees it: parameters named like secrets read `"[REDACTED]"`. */
export interface Job {
  readonly id: string;
  readonly type: string;
  readonly status: JobStatus;
  /** 0–100. */
  readonly progress: number;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly created_by: string;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly updated_at: string;
  /** Why it failed or was cancelled. */
  readonly error: string | null;
  /** Output lines so far; line `seq` runs 1…output_count. */
  readonly output_count: number;
  readonly version: number;
}

export interface JobOutputLine {
  readonly seq: number;
  readonly text: string;
  readonly at: string;
}

export type JobAction = 'created' | 'updated' | 'output' | 'deleted';

/** `data` of a `job` event with action `deleted`: a finished job removed by retention. */
export interface JobDeletedData {
  readonly id: string;
  readonly version: number;
  readonly reason: 'retention';
}

/** `data` of a `job` event with action `created` or `updated`. */
export interface JobChangeData {
  readonly id: string;
  readonly version: number;
  readonly changes: Readonly<Record<string, unknown>>;
  readonly job: Job;
}

/** `data` of a `job` event with action `output`: lines appended to the job's output, in order. */
export interface JobOutputData {
  readonly id: string;
  readonly lines: readonly JobOutputLine[];
}

/** The event messages of the `inventory` and `jobs` topics, and the `batch` frame. */
export interface InventoryEventMessage {
  readonly type: 'inventory';
  readonly action: InventoryAction;
  readonly data: InventoryEventData;
  readonly topic: 'inventory';
  readonly offset: number;
}

export type JobEventMessage =
  | { readonly type: 'job'; readonly action: 'created' | 'updated'; readonly data: JobChangeData; readonly topic: 'jobs'; readonly offset: number }
  | { readonly type: 'job'; readonly action: 'output'; readonly data: JobOutputData; readonly topic: 'jobs'; readonly offset: number }
  | { readonly type: 'job'; readonly action: 'deleted'; readonly data: JobDeletedData; readonly topic: 'jobs'; readonly offset: number };

/** Events of one topic sent together (WS_BATCH_WINDOW_MS): handle `messages` in order. */
export interface BatchMessage {
  readonly type: 'batch';
  readonly topic: string;
  readonly messages: readonly { readonly type: string; readonly topic: string; readonly offset: number; readonly [field: string]: unknown }[];
}
