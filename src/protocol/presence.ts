/**
 * Presence: who is looking at an entity topic (`inventory:<host>`, `jobs:<id>`). A client asks for
 * it with `{"type":"subscribe","topics":[…],"presence":true}`; it is then one of the members, gets
 * a `presence` message with `action: "state"` (the members now), and then `join`, `update` and
 * `leave` as users come, change their number of tabs, and go. Presence messages carry no offset:
 * they are not logged and not replayed (after a reconnect the new `state` replaces the old).
 */

/** One user looking at a topic, over every instance. */
export interface PresenceMember {
  readonly user_id: string;
  /** The user's display name. */
  readonly name: string;
  /** How many of the user's connections (tabs) are on the topic; 0 in a `leave`. */
  readonly connections: number;
}

/** The members when the client started watching: at most PRESENCE_MAX_MEMBERS of them (by user id). */
export interface PresenceStateMessage {
  readonly type: 'presence';
  readonly action: 'state';
  readonly topic: string;
  readonly members: readonly PresenceMember[];
  /** How many users are there in all (more than `members.length` when `truncated`). */
  readonly count: number;
  readonly truncated: boolean;
}

/** A user came (`join`), their number of connections changed (`update`), or they went (`leave`). */
export interface PresenceChangeMessage {
  readonly type: 'presence';
  readonly action: 'join' | 'update' | 'leave';
  readonly topic: string;
  readonly member: PresenceMember;
}

export type PresenceMessage = PresenceStateMessage | PresenceChangeMessage;

/** Whether presence may be asked for on `topic`: entity topics only (`jobs:42`, `inventory:hv-01`). */
export function isPresenceTopic(topic: string): boolean {
  const colon = topic.indexOf(':');
  return colon > 0 && colon < topic.length - 1;
}
