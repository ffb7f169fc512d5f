/**
 * State badges: a coloured pill that always carries its state as text (and an icon), so colour is
 * never the only signal. Classes `badge-<tone>`; the state itself in `data-state`.
 */
import type { HostStatus, JobStatus, VmState } from '../protocol/index.js';
import { h } from './dom.js';

type Tone = 'ok' | 'busy' | 'warn' | 'bad' | 'idle';

interface Look {
  readonly text: string;
  readonly icon: string;
  readonly tone: Tone;
}

export const HOST_LOOKS: Record<HostStatus, Look> = {
  connected: { text: 'Connected', icon: '●', tone: 'ok' },
  disconnected: { text: 'Disconnected', icon: '✖', tone: 'bad' },
  maintenance: { text: 'Maintenance', icon: '⚙', tone: 'warn' },
};

export const VM_LOOKS: Record<VmState, Look> = {
  running: { text: 'Running', icon: '▶', tone: 'ok' },
  off: { text: 'Off', icon: '■', tone: 'idle' },
  paused: { text: 'Paused', icon: '❚❚', tone: 'warn' },
  saved: { text: 'Saved', icon: '⤓', tone: 'idle' },
  starting: { text: 'Starting', icon: '↻', tone: 'busy' },
  stopping: { text: 'Stopping', icon: '↻', tone: 'busy' },
};

export const JOB_LOOKS: Record<JobStatus, Look> = {
  pending: { text: 'Pending', icon: '…', tone: 'idle' },
  running: { text: 'Running', icon: '↻', tone: 'busy' },
  completed: { text: 'Completed', icon: '✔', tone: 'ok' },
  failed: { text: 'Failed', icon: '✖', tone: 'bad' },
  cancelled: { text: 'Cancelled', icon: '⊘', tone: 'warn' },
};

const UNKNOWN: Look = { text: 'Unknown', icon: '?', tone: 'idle' };

/** A badge for `state` from `looks`; an unknown state shows its raw name. */
export function badge<S extends string>(looks: Record<S, Look>, state: S, label?: string): HTMLSpanElement {
  const look = (looks as Record<string, Look | undefined>)[state] ?? { ...UNKNOWN, text: String(state) };
  return h(
    'span',
    { class: `state badge-${look.tone}`, 'data-state': state, title: label === undefined ? undefined : `${label}: ${look.text}` },
    h('span', { class: 'state-icon', 'aria-hidden': 'true' }, look.icon),
    h('span', { class: 'state-text' }, look.text),
  );
}
