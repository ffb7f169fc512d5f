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

export interface Database {
  notifications: NotificationsTable;
  notification_reads: NotificationReadsTable;
  topic_heads: TopicHeadsTable;
  events: EventsTable;
  meta: MetaTable;
  idempotency_keys: IdempotencyKeysTable;
  sessions: SessionsTable;
}
