/**
 * A follower tab's port: it asks the leader for its topics (`join`, `sub`, `unsub`), hands the
 * relayed messages its topics match to its page, mirrors the connection's status, and keeps the
 * union and positions every relay carries, for the day it leads. It joins again whenever a new
 * leader announces itself.
 */
import type { Known, Port } from './leader.js';
import type { TabView } from './view.js';
import type { TabMessage } from './wire.js';

export function startFollower(tab: string, view: TabView, known: Known, post: (m: TabMessage) => void, solo: () => void): Port {
  const join = (): void => post({ k: 'join', tab, topics: [...view.topics], fresh: !view.holdsState(), presence: [...view.present] });
  join();
  return {
    subscribe(topics, presence) {
      const added = topics.filter((t) => !view.topics.has(t) || (presence && !view.present.has(t)));
      for (const t of added) view.topics.add(t);
      if (presence) for (const t of added) view.present.add(t);
      if (added.length > 0) post({ k: 'sub', tab, topics: added, presence });
    },
    unsubscribe(topics) {
      const removed = topics.filter((t) => view.topics.has(t));
      for (const t of removed) {
        view.topics.delete(t);
        view.present.delete(t);
        view.positions.forget(t);
      }
      if (removed.length > 0) post({ k: 'unsub', tab, topics: removed });
    },
    setFilters: (f) => post({ k: 'filters', f }),
    connect: () => post({ k: 'reconnect' }),
    reconnectNow: () => post({ k: 'reconnect' }),
    receive(m) {
      switch (m.k) {
        case 'relay':
          known.positions = m.p;
          view.deliver(m.m);
          return;
        case 'status':
          known.topics = m.topics;
          known.positions = m.p;
          view.setStatus(m.s, m.d, m.transport, m.clientId);
          return;
        case 'leader':
          return join();
        case 'full':
          if (m.to === tab) solo();
          return;
        default:
          return; // requests are for the leader
      }
    },
    close: () => post({ k: 'leave', tab }),
  };
}
