/**
 * One tab's side of a shared connection: the topics it asked for, the handlers and status
 * listeners its page added, and its own positions, so a message that reaches it twice (the old
 * leader relayed it, the new one replays it after taking over) is handed to the page once.
 */
import { createDispatcher } from '../dispatch.js';
import { createEmitter, type Emitter } from '../emitter.js';
import { createPositionTracker, type PositionTracker } from '../positions.js';
import { createStatusBoard, type StatusBoard } from '../status.js';
import type { NotificationFilter } from '../../protocol/index.js';
import type { ConnectionStatus, GenericMessage, StatusData } from '../types.js';
import { forTab } from './topic-filter.js';
import type { TransportName } from './wire.js';

export interface TabView {
  readonly topics: Set<string>;
  /** The topics this tab asked for with `{presence: true}` (a subset of `topics`). */
  readonly present: Set<string>;
  readonly emitter: Emitter<GenericMessage>;
  readonly status: StatusBoard;
  readonly positions: PositionTracker;
  /** Hands a message of the shared connection to the page, when this tab's topics ask for it. */
  deliver(message: GenericMessage): void;
  /** Mirrors the connection's status (a listener hears only changes of status or attempt). */
  setStatus(status: ConnectionStatus, data: StatusData, transport: TransportName, clientId: string | null): void;
  transport(): TransportName;
  clientId(): string | null;
  /** The filters the page last set (`setFilters`), for a connection this tab opens later. */
  filters(): Readonly<Record<string, NotificationFilter>> | undefined;
  setFilters(filters: Readonly<Record<string, NotificationFilter>>): void;
  /** True once a snapshot or an event reached the page: it then needs no fresh snapshot to join. */
  holdsState(): boolean;
}

export function createTabView(topics: readonly string[], transport: TransportName): TabView {
  const emitter = createEmitter<GenericMessage>();
  const status = createStatusBoard();
  const positions = createPositionTracker();
  const wanted = new Set(topics);
  let currentTransport = transport;
  let currentClientId: string | null = null;
  let lastAttempt: number | undefined;
  let held = false;
  let filters: Readonly<Record<string, NotificationFilter>> | undefined;
  // `connection` and errors only move the leader's link; here they just reach the page.
  const dispatch = createDispatcher(
    positions,
    emitter,
    () => undefined,
    () => undefined,
  );
  emitter.on('initial_state', () => void (held = true));
  return {
    topics: wanted,
    present: new Set(),
    emitter,
    status,
    positions,
    deliver(message) {
      const mine = forTab(wanted, message);
      if (mine === null) return;
      if (typeof mine.offset === 'number') held = true;
      dispatch(JSON.stringify(mine));
    },
    setStatus(next, data, nextTransport, clientId) {
      currentTransport = nextTransport;
      currentClientId = next === 'connected' ? clientId : null;
      // A follower joining or a union change repeats the status: listeners hear only changes.
      if (next === status.current() && data.attempt === lastAttempt) return;
      lastAttempt = data.attempt;
      status.set(next, data);
    },
    transport: () => currentTransport,
    clientId: () => currentClientId,
    filters: () => filters,
    setFilters: (next) => void (filters = next),
    holdsState: () => held,
  };
}
