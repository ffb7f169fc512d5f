/**
 * Who else is looking: on a host's page (`#/inventory?host=<id>`) and an open job's page
 * (`#/jobs/<id>`), the page subscribes the entity topic (`inventory:<host>`, `jobs:<id>`) with
 * presence and shows the other members as initials, each with the user's name as its accessible
 * label and title (and their number of tabs when more than one). Leaving the page unsubscribes.
 */
import type { WsClient } from '../client/index.js';
import type { PresenceMember, PresenceMessage } from '../protocol/index.js';
import { byId, h } from './dom.js';

export type PresenceSlot = 'host' | 'job';

export interface PresenceBars {
  /** Shows the presence of `topic` in the slot's bar (null: nothing), leaving the slot's previous topic. */
  show(slot: PresenceSlot, topic: string | null): void;
  /** The signed-in user's id: they are left out of "who else". */
  setSelf(userId: string): void;
}

const ELEMENTS: Record<PresenceSlot, string> = { host: 'inventory-presence', job: 'job-presence' };

/** Up to two letters: the first of the first two words (`Alice Liddell` → `AL`, `bob` → `BO`). */
export function initialsOf(name: string): string {
  const words = name.split(/[\s._@-]+/).filter((w) => w !== '');
  const first = (word: string | undefined): string => [...(word ?? '')].slice(0, 1).join('');
  const letters = words.length >= 2 ? first(words[0]) + first(words[1]) : [...(words[0] ?? '?')].slice(0, 2).join('');
  return letters.toUpperCase();
}

function avatar(member: PresenceMember): HTMLElement {
  const tabs = member.connections > 1 ? ` (${member.connections} tabs)` : '';
  const label = `${member.name}${tabs}`;
  return h('li', { class: 'avatar', title: label, 'data-user': member.user_id }, h('span', { role: 'img', 'aria-label': label }, initialsOf(member.name)));
}

export function createPresenceBars(client: WsClient): PresenceBars {
  const shown: Record<PresenceSlot, string | null> = { host: null, job: null };
  const members = new Map<string, Map<string, PresenceMember>>();
  const extra = new Map<string, number>();
  let self = '';

  function render(slot: PresenceSlot): void {
    const bar = byId(ELEMENTS[slot]);
    const topic = shown[slot];
    const others = [...(topic === null ? [] : (members.get(topic)?.values() ?? []))].filter((m) => m.user_id !== self);
    const more = topic === null ? 0 : (extra.get(topic) ?? 0);
    bar.hidden = others.length === 0 && more === 0;
    const list = h('ul', { class: 'avatars', 'aria-label': 'Also viewing' }, ...others.map(avatar));
    if (more > 0) list.append(h('li', { class: 'avatar more', title: `${more} more` }, `+${more}`));
    bar.replaceChildren(h('span', { class: 'presence-label' }, 'Also viewing'), list);
  }

  function apply(message: PresenceMessage): void {
    if (shown.host !== message.topic && shown.job !== message.topic) return;
    let held = members.get(message.topic);
    if (held === undefined) {
      if (message.action !== 'state') return;
      held = new Map();
      members.set(message.topic, held);
    }
    if (message.action === 'state') {
      held.clear();
      for (const m of message.members) held.set(m.user_id, m);
      extra.set(message.topic, message.count - message.members.length);
    } else if (message.action === 'leave') held.delete(message.member.user_id);
    else held.set(message.member.user_id, message.member);
    for (const slot of ['host', 'job'] as const) if (shown[slot] === message.topic) render(slot);
  }

  client.on('presence', apply);
  return {
    show(slot, topic) {
      const before = shown[slot];
      if (before === topic) return;
      shown[slot] = topic;
      if (before !== null && shown.host !== before && shown.job !== before) {
        client.unsubscribe(before);
        members.delete(before);
        extra.delete(before);
      }
      if (topic !== null) client.subscribe(topic, { presence: true });
      render(slot);
    },
    setSelf(userId) {
      self = userId;
      render('host');
      render('job');
    },
  };
}
