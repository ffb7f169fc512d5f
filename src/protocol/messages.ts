/**
 * Every message of the /ws protocol, in both directions. The seed's messages (`connection`,
 * `initial_state`, `notification`, `subscribe`, `unsubscribe`, `ping`) are kept byte-compatible;
 * everything else is an extension that only adds fields or message types. docs/PROTOCOL.md is the
 * prose reference for this file.
 */
import type { ErrorCode } from './codes.js';
import type { BatchMessage, InventoryEventMessage, InventorySnapshot, Job, JobEventMessage } from './entities.js';
import type { PresenceMessage } from './presence.js';

export const NOTIFICATION_LEVELS = ['info', 'warning', 'error', 'success'] as const;
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number];
export const NOTIFICATION_CATEGORIES = ['system', 'host', 'vm', 'job', 'authentication'] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];

/** The entity a notification is about, for linking (`{"type":"job","id":"…"}`). */
export interface RelatedEntity {
  readonly type: string;
  readonly id: string;
  readonly name?: string;
}

/** A notification as one user sees it (`read` is that user's read state). */
export interface Notification {
  readonly id: string;
  readonly title: string;
  readonly message: string;
  readonly level: NotificationLevel;
  readonly category: NotificationCategory;
  /** ISO-8601 UTC, ending in `Z`. */
  readonly created_at: string;
  readonly read: boolean;
  /** The one user it is addressed to, or null for everyone. */
  readonly recipient: string | null;
  readonly related_entity: RelatedEntity | null;
  readonly metadata: Readonly<Record<string, unknown>> | null;
  // Extensions (the inbox). Optional in the type for clients of older servers; this server sends them all.
  /** The condition it reports (`host:hv-03:unreachable`), or null: one active notification per key. */
  readonly condition_key?: string | null;
  /** How many times the condition was raised (1 for a plain notification). */
  readonly count?: number;
  /** When it was last raised (`created_at` until it is raised again). */
  readonly last_seen_at?: string;
  /** When its condition cleared, or null while active (always null without a condition). */
  readonly resolved_at?: string | null;
  /** **This user** has had it shown (clears the badge's "new", keeps it unread). */
  readonly seen?: boolean;
  /** **This user** archived it: out of the default view. */
  readonly archived?: boolean;
  /** **This user** snoozed it until then (hidden until it comes back), or null. */
  readonly snoozed_until?: string | null;
  /** Buttons it offers (validated on create), or null. */
  readonly actions?: readonly NotificationActionSpec[] | null;
}

/** A button on a notification: run a job (writer role), or open a link. */
export interface NotificationActionSpec {
  readonly label: string;
  readonly kind: 'job' | 'link';
  /** With `kind: "job"`: the job type to create. */
  readonly job_type?: string;
  /** With `kind: "job"`: the job's parameters. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /** With `kind: "link"`: where it goes (a path on this server or an http(s) URL). */
  readonly url?: string;
}

/** Where a topic's event log stands: the last offset, in the log identified by `epoch`. */
export interface Position {
  readonly offset: number;
  readonly epoch: string;
}
export type Positions = Readonly<Record<string, Position>>;

// ---------------------------------------------------------------- server → client

export interface ConnectionMessage {
  readonly type: 'connection';
  readonly status: 'connected';
  readonly client_id: string;
  readonly timestamp: string;
  /** Extension: the authenticated user's name. */
  readonly user: string;
}

/** The state of the topics the connection is subscribed to, and each topic's position. */
export interface InitialStateMessage {
  readonly type: 'initial_state';
  readonly data: InitialStateData;
  readonly positions: Positions;
}
export interface InitialStateData {
  readonly notifications?: readonly Notification[];
  readonly unread_count?: number;
  /** Extension: this user's unread count per inbox tab (INBOX_TABS: all, problems, jobs, archived). */
  readonly filter_counts?: Readonly<Record<string, number>>;
  readonly inventory?: InventorySnapshot;
  readonly jobs?: readonly Job[];
  readonly [topic: string]: unknown;
}

export const NOTIFICATION_ACTIONS = [
  'created',
  'updated',
  'deleted',
  'all_read',
  // The inbox: conditions (for everyone it is addressed to) and one user's view state (for that user).
  'raised',
  'resolved',
  'seen',
  'archived',
  'unarchived',
  'snoozed',
  'unsnoozed',
  'bulk_read',
  'bulk_archived',
] as const;
export type NotificationAction = (typeof NOTIFICATION_ACTIONS)[number];

/** An event from a topic's log. `offset` increases by one per event of that topic. */
export interface TopicEventMessage<T extends string = string, A extends string = string, D = unknown> {
  readonly type: T;
  readonly action: A;
  readonly data: D;
  readonly topic: string;
  readonly offset: number;
}

/**
 * `created`/`updated` and the per-user state actions carry the whole notification; `deleted` `{id}`;
 * `all_read` `{before, count}`; `raised`/`resolved` a ConditionChange; `bulk_*` a BulkData.
 */
export interface NotificationEventMessage extends TopicEventMessage<
  'notification',
  NotificationAction,
  Notification | { readonly id: string } | AllReadData | ConditionChange | BulkData
> {
  /** The receiving user's unread count after this event. */
  readonly unread_count: number;
  /** Extension: the receiving user's unread count per inbox tab after this event. */
  readonly filter_counts?: Readonly<Record<string, number>>;
}
/** `data` of `raised` and `resolved`: the fields of the notification that changed (merge them). */
export interface ConditionChange {
  readonly id: string;
  readonly condition_key: string;
  readonly count: number;
  readonly last_seen_at: string;
  readonly resolved_at: string | null;
  readonly message: string;
}
/** `data` of `bulk_read` and `bulk_archived`: which notifications changed for this user. */
export interface BulkData {
  readonly ids: readonly string[];
  readonly count: number;
}
export interface AllReadData {
  readonly before: string | null;
  readonly count: number;
}

export interface SubscriptionMessage {
  readonly type: 'subscription';
  readonly status: 'subscribed' | 'unsubscribed';
  readonly topics: readonly string[];
}

export interface PongMessage {
  readonly type: 'pong';
  readonly timestamp: string;
}

export interface ErrorMessage {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  /** The `type` of the client message that caused it, when known. */
  readonly ref?: string;
  /** With `budget_exceeded`: how long to wait before asking again, ms. */
  readonly retry_after_ms?: number;
}

/**
 * The answer to `resume` for one topic. With `recovered: true` the missed events follow in order
 * (`replayed` of them) before any live event. With `recovered: false` an `initial_state` for the
 * topic follows instead: the client must replace its state for that topic.
 */
export interface ResumedMessage {
  readonly type: 'resumed';
  readonly topic: string;
  readonly recovered: boolean;
  readonly replayed: number;
  readonly position: Position;
  /** Why recovery failed: `epoch_changed`, `out_of_range` or `too_far_behind`. */
  readonly reason?: string;
}

/** The answer to a successful `refresh`: the socket now lives until `expires_at` (ISO-8601, or null for never). */
export interface RefreshedMessage {
  readonly type: 'refreshed';
  readonly expires_at: string | null;
}

export type ServerMessage =
  | RefreshedMessage
  | ConnectionMessage
  | InitialStateMessage
  | NotificationEventMessage
  | InventoryEventMessage
  | JobEventMessage
  | BatchMessage
  | TopicEventMessage
  | SubscriptionMessage
  | PongMessage
  | ErrorMessage
  | ResumedMessage
  | PresenceMessage;

// ---------------------------------------------------------------- client → server

export interface SubscribeMessage {
  readonly type: 'subscribe';
  readonly topics: readonly string[];
  /** Extension: be a member of these (entity) topics' presence and receive `presence` messages. */
  readonly presence?: boolean;
  /**
   * Extension: named inbox filters (`{"errors": {"levels": ["error"]}}`, the grammar of
   * protocol/inbox.ts) whose unread counts `filter_counts` carries for this connection instead of
   * the tabs'; `{}` goes back to the tabs. Checked by the server (count and size bounded).
   */
  readonly filters?: Readonly<Record<string, unknown>>;
}
export interface UnsubscribeMessage {
  readonly type: 'unsubscribe';
  readonly topics: readonly string[];
}
export interface PingMessage {
  readonly type: 'ping';
}
/** Ask for every event after the given positions, per topic (subscribing to those topics too). */
export interface ResumeMessage {
  readonly type: 'resume';
  readonly positions: Positions;
}

/**
 * The first message of a socket opened without a credential: a ws-token, OIDC token or API token.
 * Until it arrives (within WS_AUTH_TIMEOUT_MS) the server sends nothing; on failure it closes 1008.
 */
export interface AuthMessage {
  readonly type: 'auth';
  readonly token: string;
}
/** A new credential for the same user before the current one expires; answered with `refreshed`. */
export interface RefreshMessage {
  readonly type: 'refresh';
  readonly token: string;
}

export type ClientMessage = SubscribeMessage | UnsubscribeMessage | PingMessage | ResumeMessage | AuthMessage | RefreshMessage;
export type ClientMessageType = ClientMessage['type'];
export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = ['subscribe', 'unsubscribe', 'ping', 'resume', 'auth', 'refresh'];
