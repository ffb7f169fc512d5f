/**
 * The Store contract. Services write state and append the events that report it in one
 * transaction (`write`), so an event's offset exists exactly when its change does.
 */
import type {
  Cluster,
  Host,
  Job,
  JobOutputLine,
  JobStatus,
  Notification,
  NotificationActionSpec,
  NotificationFilter,
  Position,
  Vm,
} from '../protocol/index.js';

/** An event of a topic's log, as stored and as carried on the bus. */
export interface TopicEvent {
  readonly topic: string;
  /** Monotonic per topic, without holes, assigned in the transaction of the change. */
  readonly offset: number;
  readonly epoch: string;
  readonly type: string;
  readonly action: string;
  readonly data: unknown;
  /** The only user allowed to receive it, or null for everyone who may read the topic. */
  readonly audience: string | null;
  /** Extra topics that also match it (`jobs:42` for an event of `jobs`); delivered once. */
  readonly keys: readonly string[];
  readonly at: string;
}

export interface NewEvent {
  readonly topic: string;
  readonly type: string;
  readonly action: string;
  readonly data: unknown;
  readonly audience?: string | null;
  readonly keys?: readonly string[];
}

/** A notification as stored: no per-user state (read, seen, archived, snoozed). */
export interface StoredNotification extends Omit<
  Notification,
  'read' | 'seen' | 'archived' | 'snoozed_until' | 'condition_key' | 'count' | 'last_seen_at' | 'resolved_at' | 'actions'
> {
  readonly condition_key: string | null;
  readonly count: number;
  readonly last_seen_at: string;
  readonly resolved_at: string | null;
  readonly actions: readonly NotificationActionSpec[] | null;
}

export interface Cursor {
  readonly createdAt: string;
  readonly id: string;
}

export interface NotificationQuery {
  readonly user: string;
  readonly limit: number;
  readonly unreadOnly: boolean;
  readonly cursor?: Cursor | undefined;
  /** Absent: every notification the user may see, whatever its state (the API before the inbox). */
  readonly filter?: NotificationFilter | undefined;
  /** Now, for snoozes; required with a filter. */
  readonly now?: string;
}

export interface NotificationPage {
  readonly notifications: readonly Notification[];
  readonly totalCount: number;
  readonly unreadCount: number;
  readonly next: Cursor | null;
}

/** A change of one user's view state; an absent field keeps its value, null clears it. */
export interface StatePatch {
  readonly seen_at?: string | null;
  readonly archived_at?: string | null;
  readonly snoozed_until?: string | null;
}

export interface NotificationRepo {
  insert(n: StoredNotification): Promise<void>;
  /**
   * Inserts `n`, or, when its condition is active already, raises that one (count + 1, last seen,
   * message) in the same statement: an upsert on the partial unique index, so two writers raising
   * one condition at once leave one row. `created` says which happened.
   */
  raise(n: StoredNotification): Promise<{ readonly stored: StoredNotification; readonly created: boolean }>;
  /** Marks the active notification of `conditionKey` resolved; undefined when none is active. */
  resolve(conditionKey: string, at: string): Promise<StoredNotification | undefined>;
  /** The stored notification (no user state), or undefined. */
  stored(id: string): Promise<StoredNotification | undefined>;
  /** The notification as `user` sees it, or undefined when it does not exist or is not addressed to them. */
  get(id: string, user: string): Promise<Notification | undefined>;
  list(q: NotificationQuery): Promise<NotificationPage>;
  unreadCount(user: string): Promise<number>;
  /** Unread notifications of `user` matching `filter` at `now`. */
  countUnread(user: string, filter: NotificationFilter, now: string): Promise<number>;
  /** Sets `user`'s read state; returns false when it already was so. */
  setRead(id: string, user: string, read: boolean, at: string): Promise<boolean>;
  /** Changes `user`'s view state; returns false when nothing changed. */
  setState(id: string, user: string, patch: StatePatch): Promise<boolean>;
  /** Clears snoozes that ended at or before `now` (at most `limit`), returning whose. */
  endSnoozes(now: string, limit: number): Promise<ReadonlyArray<{ readonly id: string; readonly user: string }>>;
  /**
   * Up to `limit` ids of `user`'s notifications matching `filter` created at or before `cutoff`
   * that `op` would change (unread for `read`, not archived for `archive`), oldest first.
   */
  bulkTargets(user: string, op: 'read' | 'archive', filter: NotificationFilter, cutoff: string, now: string, limit: number): Promise<readonly string[]>;
  /** Marks every visible unread notification created at or before `before` (all when null) read. */
  markAllRead(user: string, before: string | null, at: string): Promise<number>;
  delete(id: string): Promise<boolean>;
  /** Notifications beyond the newest `keep`, oldest first. */
  overflow(keep: number): Promise<readonly StoredNotification[]>;
  createdBefore(cutoff: string, limit: number): Promise<readonly StoredNotification[]>;
}

export interface IdempotencyRecord {
  readonly status: number;
  readonly body: string;
}

export interface IdempotencyRepo {
  get(principal: string, key: string): Promise<IdempotencyRecord | undefined>;
  put(principal: string, key: string, record: IdempotencyRecord, at: string): Promise<void>;
  pruneBefore(cutoff: string): Promise<number>;
}

/** Clusters, hosts and VMs. `save*` inserts when `isNew`, else replaces the row. */
export interface InventoryRepo {
  clusters(): Promise<readonly Cluster[]>;
  cluster(id: string): Promise<Cluster | undefined>;
  saveCluster(cluster: Cluster, isNew: boolean): Promise<void>;
  hosts(): Promise<readonly Host[]>;
  host(id: string): Promise<Host | undefined>;
  saveHost(host: Host, isNew: boolean): Promise<void>;
  /** VMs of one host, or of every host, ordered by host and name. */
  vms(hostId?: string): Promise<readonly Vm[]>;
  vm(hostId: string, name: string): Promise<Vm | undefined>;
  saveVm(vm: Vm, isNew: boolean): Promise<void>;
  deleteVm(hostId: string, name: string): Promise<boolean>;
}

/** A job as stored: its parameters unredacted (`raw_parameters`), so it cannot be sent by mistake. */
export interface StoredJob extends Omit<Job, 'parameters'> {
  readonly raw_parameters: Readonly<Record<string, unknown>>;
}

export interface JobQuery {
  readonly limit: number;
  readonly status?: JobStatus | undefined;
  readonly cursor?: Cursor | undefined;
}

export interface JobRepo {
  insert(job: StoredJob): Promise<void>;
  update(job: StoredJob): Promise<void>;
  get(id: string): Promise<StoredJob | undefined>;
  /** Newest first, keyset-paged. */
  list(q: JobQuery): Promise<{ readonly jobs: readonly StoredJob[]; readonly next: Cursor | null }>;
  /** Jobs in any of `statuses`, oldest first. */
  withStatus(statuses: readonly JobStatus[]): Promise<readonly StoredJob[]>;
  /** Finished jobs whose `finished_at` is before `cutoff`, oldest first. */
  finishedBefore(cutoff: string, limit: number): Promise<readonly StoredJob[]>;
  /** Deletes a job and its output lines. */
  delete(id: string): Promise<void>;
  appendOutput(jobId: string, lines: readonly JobOutputLine[]): Promise<void>;
  output(jobId: string, afterSeq: number, limit: number): Promise<readonly JobOutputLine[]>;
}

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly roles: readonly string[];
  /** Epoch ms. */
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
}

export interface SessionRepo {
  insert(session: SessionRecord): Promise<void>;
  get(id: string): Promise<SessionRecord | undefined>;
  touch(id: string, lastSeenAt: number): Promise<void>;
  /** Returns false when there was no such session. */
  delete(id: string): Promise<boolean>;
  /** Deletes sessions past their absolute end or idle since before `idleBefore`; returns their ids. */
  deleteExpired(nowMs: number, idleBefore: number): Promise<readonly string[]>;
  /** Deletes every session of `userId`; returns their ids. */
  deleteByUser(userId: string): Promise<readonly string[]>;
}

/** An administrator's decision about a user, applied on top of the identity provider at every authentication. */
export interface UserAccess {
  readonly userId: string;
  /** The user may not sign in, call the API or connect. */
  readonly blocked: boolean;
  /** Application roles taken away (`admin`; `user` takes every access away, like `blocked`). */
  readonly revokedRoles: readonly string[];
  readonly reason: string;
  readonly updatedBy: string;
  /** ISO time. */
  readonly updatedAt: string;
}

export interface UserAccessRepo {
  get(userId: string): Promise<UserAccess | undefined>;
  /** Inserts or replaces the user's record. */
  put(access: UserAccess): Promise<void>;
}

export interface StoreTx {
  readonly notifications: NotificationRepo;
  readonly inventory: InventoryRepo;
  readonly jobs: JobRepo;
  readonly idempotency: IdempotencyRepo;
  readonly sessions: SessionRepo;
  readonly access: UserAccessRepo;
  /** Appends an event to its topic's log with the next offset. */
  appendEvent(event: NewEvent): Promise<TopicEvent>;
  /** The topic's newest offset (0 before any event) in this store's epoch. */
  position(topic: string): Promise<Position>;
}

export interface EventRange {
  /** Offset of the newest pruned event: events after `floor` are all still in the log. */
  readonly floor: number;
  readonly head: number;
  readonly events: readonly TopicEvent[];
}

export interface Store {
  /** Identifies this event log; it changes when the log is recreated, invalidating old offsets. */
  readonly epoch: string;
  readonly dialect: 'sqlite' | 'postgres';
  /** Runs `fn` in a read-write transaction; everything it appends commits with it or not at all. */
  write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Runs `fn` on a consistent snapshot. */
  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Events of `topic` with offset in (after, upto], at most `limit`, oldest first, plus the log bounds. */
  eventsAfter(topic: string, after: number, limit: number, upto?: number): Promise<EventRange>;
  /** Newest offset of every topic that has one. */
  heads(): Promise<ReadonlyMap<string, number>>;
  /** Drops events beyond `maxPerTopic` per topic or older than `olderThan`; returns how many. */
  pruneEvents(maxPerTopic: number, olderThan: string): Promise<number>;
  /** Rows in the event log (for metrics). */
  eventCount(): Promise<number>;
  close(): Promise<void>;
}
