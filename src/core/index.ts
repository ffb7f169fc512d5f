/**
 * The core's public entry: what the edge (http/) and the composition root may use. Everything
 * else under core/ is internal; files outside core/ import from here only (the lint rules say so).
 */
export type { AttachedConnection } from './attached.js';
export { createHub, type AttachOptions, type Hub, type HubLimits, type HubOptions } from './hub.js';
export type { HubSocket } from './socket.js';
export type { ConnectionFilter, ConnectionInfo, ConnectionMeta } from './connection-info.js';
export { UNLIMITED_BUDGET, type BudgetAnswer, type CostBudget } from './budget.js';
export type { HubObserver } from './observer.js';
export type { SubscriptionCount } from './topics.js';
export type { FiltersRefusal, ReceiverFilters, Snapshot, TopicSources } from './sources.js';
export type { Extras } from './frames.js';
export { createSequencer, type Sequencer, type SequencerOptions } from './sequencer.js';
export { startBusRecovery, type BusRecoveryOptions } from './catch-up.js';
export { createRunnerGate, type LedRunner, type RunnerGate, type RunnerGateOptions } from './leader.js';
export type { PresenceDirectory, PresenceList, PresenceOptions, PresenceSink, PresenceUser } from './presence.js';
