/** Table types for the query builder. JSON columns hold text; timestamps are ISO-8601 UTC text. */

export interface NotificationsTable {
  id: string;
  title: string;
  message: string;
  level: string;
  category: string;
  created_at: string;
  recipient: string | null;
  related_entity: string | null;
  metadata: string | null;
  /** 0005: the condition it reports; unique among rows with `resolved_at` null (a partial unique index). */
  condition_key: string | null;
  /** 0005: times raised (1 for a plain notification). */
  raise_count: number;
  /** 0005: when last raised; null means `created_at` (rows older than 0005). */
  last_seen_at: string | null;
  /** 0005: when its condition cleared. */
  resolved_at: string | null;
  /** 0005: JSON array of action buttons. */
  actions: string | null;
}

/** 0005: a user's view state of one notification (read state stays in notification_reads). */
export interface NotificationStatesTable {
  notification_id: string;
  user_id: string;
  seen_at: string | null;
  archived_at: string | null;
  snoozed_until: string | null;
}

export interface NotificationReadsTable {
  notification_id: string;
  user_id: string;
  read_at: string;
}

export interface TopicHeadsTable {
  topic: string;
  /** Offset of the newest event of the topic (0 before the first). */
  head: number;
  /** Offset of the newest event pruned from the log: resume from below it is impossible. */
  floor: number;
}

export interface EventsTable {
  topic: string;
  seq: number;
  type: string;
  action: string;
  audience: string | null;
  keys: string | null;
  data: string;
  created_at: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface IdempotencyKeysTable {
  principal: string;
  key: string;
  status: number;
  body: string;
  created_at: string;
}

export interface ClustersTable {
  id: string;
  name: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface HostsTable {
  id: string;
  cluster_id: string | null;
  status: string;
  last_seen: string | null;
  cpu_cores: number;
  memory_mb: number;
  cpu_usage_percent: number;
  memory_usage_percent: number;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface VmsTable {
  host_id: string;
  name: string;
  state: string;
  cpu_count: number;
  memory_mb: number;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface JobsTable {
  id: string;
  type: string;
  status: string;
  progress: number;
  /** JSON object, secrets included: redacted on the way out, never stored elsewhere. */
  parameters: string;
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
  error: string | null;
  output_count: number;
  version: number;
}

export interface JobOutputTable {
  job_id: string;
  seq: number;
  text: string;
  created_at: string;
}

/** A browser session. `id` is a hash of the cookie's secret part, never the cookie itself. Times are epoch ms. */
export interface SessionsTable {
  id: string;
  user_id: string;
  name: string;
  /** JSON array of application roles. */
  roles: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute end of the session. */
  expires_at: number;
}

/** Migration 0006: an administrator's decision about a user (the admin API). */
export interface UserAccessTable {
  user_id: string;
  /** 1: the user may not sign in or connect. */
  blocked: number;
  /** JSON array of application roles taken away. */
  revoked_roles: string;
  reason: string;
  updated_by: string;
  updated_at: string;
}

export interface Database {
  clusters: ClustersTable;
  hosts: HostsTable;
  vms: VmsTable;
  jobs: JobsTable;
  job_output: JobOutputTable;
  notifications: NotificationsTable;
  notification_reads: NotificationReadsTable;
  notification_states: NotificationStatesTable;
  topic_heads: TopicHeadsTable;
  events: EventsTable;
  meta: MetaTable;
  idempotency_keys: IdempotencyKeysTable;
  sessions: SessionsTable;
  user_access: UserAccessTable;
}
