/** The SSE event id (src/http/sse-cursor.ts): what the cursor writes, and reading one back from unknown input. */
import { describe, expect, it } from 'vitest';
import { MAX_EVENT_ID_CHARS, StreamCursor, parseEventId } from '../../src/http/sse-cursor.js';

describe('SSE event ids', () => {
  it('moves with initial_state, events, batches and subscription changes, and not with other frames', () => {
    const cursor = new StreamCursor(['notifications'], ['notifications']);
    expect(cursor.observe('{"type":"connection","status":"connected"}')).toBe(false);
    expect(cursor.observe('{"type":"initial_state","data":{"x":"\\"positions\\":"},"positions":{"notifications":{"offset":4,"epoch":"ep1"}}}')).toBe(true);
    expect(cursor.id).toBe('1|ep1|notifications=4');
    expect(cursor.observe(Buffer.from('{"type":"notification","action":"created","data":{},"unread_count":1,"topic":"notifications","offset":5}'))).toBe(true);
    expect(cursor.id).toBe('1|ep1|notifications=5');
    expect(cursor.observe('{"type":"bulk","topic":"notifications"}')).toBe(false); // ephemeral: no offset
    expect(cursor.observe('{"type":"subscription","status":"subscribed","topics":["jobs:42"]}')).toBe(true);
    expect(cursor.id).toBe('1|ep1|notifications=5|notifications,jobs:42');
    cursor.observe('{"type":"initial_state","data":{},"positions":{"jobs":{"offset":9,"epoch":"ep1"}}}');
    cursor.observe('{"type":"batch","topic":"jobs","messages":[{"type":"job","topic":"jobs","offset":10},{"type":"job","topic":"jobs","offset":11}]}');
    expect(cursor.id).toBe('1|ep1|notifications=5,jobs=11|notifications,jobs:42');
    cursor.observe('{"type":"subscription","status":"unsubscribed","topics":["notifications"]}');
    expect(cursor.id).toBe('1|ep1|jobs=11|jobs:42');
  });

  it('reads an id back into positions and topics', () => {
    expect(parseEventId('1|ep1|notifications=5,jobs=11@ep2|jobs:42')).toEqual({
      ok: true,
      start: { topics: ['jobs:42'], positions: { notifications: { offset: 5, epoch: 'ep1' }, jobs: { offset: 11, epoch: 'ep2' } } },
    });
    expect(parseEventId('1|-|')).toEqual({ ok: true, start: {} });
    expect(parseEventId('1|ep1||')).toEqual({ ok: true, start: { topics: [] } });
  });

  it('refuses what it did not write, with a reason, and reads no more than its bound', () => {
    expect(parseEventId(42)).toMatchObject({ ok: false, message: 'Last-Event-ID must be a string' });
    expect(parseEventId('7')).toMatchObject({ ok: false, message: expect.stringContaining('not an id this server sent') as unknown });
    expect(parseEventId('1|ep 1|')).toMatchObject({ ok: false, message: expect.stringContaining('epoch') as unknown });
    expect(parseEventId('1|ep1|notifications=-1')).toMatchObject({ ok: false, message: expect.stringContaining('invalid position') as unknown });
    expect(parseEventId('1|ep1|all=3')).toMatchObject({ ok: false });
    expect(parseEventId(`1|ep1|notifications=1|${'a'.repeat(MAX_EVENT_ID_CHARS)}`)).toMatchObject({
      ok: false,
      message: expect.stringContaining('longer than') as unknown,
    });
  });
});
