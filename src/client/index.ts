/** The /ws client library: works in the browser and, given the `ws` package, in Node. */
export { createWsClient } from './create.js';
export { backoffDelayMs, nominalDelayMs, type BackoffOptions } from './backoff.js';
export type { TrackedPosition } from './positions.js';
export type {
  ClientEventMap,
  ConnectionStatus,
  EventOf,
  GenericMessage,
  Handler,
  ResyncEvent,
  ShareLimits,
  StatusData,
  StatusListener,
  SubscribeOptions,
  Timers,
  WebSocketConstructor,
  WebSocketLike,
  WsClient,
  WsClientOptions,
} from './types.js';
