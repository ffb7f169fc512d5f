/** The header's word on how live updates reach the page: WebSocket, Server-Sent Events, or REST polling. */
import type { ConnectionStatus } from '../client/index.js';
import { byId } from './dom.js';

const NAMES = { websocket: 'WebSocket', sse: 'Server-Sent Events' } as const;

/** Updates the label for a status; `transport` is the client's (`getTransport()`). */
export function showTransport(status: ConnectionStatus, transport: keyof typeof NAMES): void {
  const label = byId('transport');
  const polling = status === 'failed' || status === 'auth_failed';
  label.textContent = polling ? 'REST polling' : status === 'connected' ? NAMES[transport] : '';
  label.dataset.transport = polling ? 'polling' : status === 'connected' ? transport : '';
  label.title = polling ? 'Live updates are unavailable: the page checks for changes periodically' : `Live updates over ${NAMES[transport]}`;
}
