/** The topic grammar: families, entity topics, `all`, and what is invalid or unknown. */
import { describe, expect, it } from 'vitest';
import { checkTopic, topicFamily } from '../../src/protocol/index.js';

describe('topic names', () => {
  it('knows the families, `all` and entity topics of jobs and inventory', () => {
    expect(checkTopic('notifications')).toEqual({ ok: true, family: 'notifications' });
    expect(checkTopic('all')).toEqual({ ok: true, family: 'all' });
    expect(checkTopic('jobs:42')).toEqual({ ok: true, family: 'jobs', entity: '42' });
    expect(checkTopic('inventory:hv-01.lab_2')).toEqual({ ok: true, family: 'inventory', entity: 'hv-01.lab_2' });
  });

  it('tells invalid names from well-formed unknown ones', () => {
    for (const name of ['', 'Jobs', 'jobs:', 'jobs:a b', `jobs:${'x'.repeat(129)}`, 'x'.repeat(161), '1jobs'])
      expect(checkTopic(name)).toEqual({ ok: false, reason: 'invalid' });
    for (const name of ['metrics', 'notifications:1', 'chat:room']) expect(checkTopic(name)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('names the family of an entity topic', () => {
    expect(topicFamily('jobs:42')).toBe('jobs');
    expect(topicFamily('inventory')).toBe('inventory');
  });
});
