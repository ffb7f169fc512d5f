/** Client frames from untrusted text: every failure names the field and what came instead. */
import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../src/protocol/index.js';

const fails = (text: string) => {
  const r = parseClientMessage(text);
  if (r.ok) throw new Error(`parsed: ${text}`);
  return r;
};

describe('parseClientMessage', () => {
  it('parses every client message type', () => {
    expect(parseClientMessage('{"type":"ping"}')).toEqual({ ok: true, message: { type: 'ping' } });
    expect(parseClientMessage('{"type":"subscribe","topics":["jobs","jobs:42"]}')).toEqual({
      ok: true,
      message: { type: 'subscribe', topics: ['jobs', 'jobs:42'] },
    });
    expect(parseClientMessage('{"type":"subscribe","topics":["jobs:42"],"presence":true}')).toEqual({
      ok: true,
      message: { type: 'subscribe', topics: ['jobs:42'], presence: true },
    });
    expect(parseClientMessage('{"type":"subscribe","topics":["notifications","jobs:42"],"presence":true,"filters":{"e":{"state":"all"}}}')).toEqual({
      ok: true,
      message: { type: 'subscribe', topics: ['notifications', 'jobs:42'], presence: true, filters: { e: { state: 'all' } } },
    });
    expect(parseClientMessage('{"type":"unsubscribe","topics":["jobs"]}')).toMatchObject({ ok: true });
    expect(parseClientMessage('{"type":"resume","positions":{"jobs":{"offset":3,"epoch":"e1"}}}')).toEqual({
      ok: true,
      message: { type: 'resume', positions: { jobs: { offset: 3, epoch: 'e1' } } },
    });
    expect(parseClientMessage('{"type":"auth","token":"t"}')).toEqual({ ok: true, message: { type: 'auth', token: 't' } });
    expect(parseClientMessage('{"type":"refresh","token":"t"}')).toEqual({ ok: true, message: { type: 'refresh', token: 't' } });
  });

  it('says what was wrong, field by field', () => {
    expect(fails('not json')).toMatchObject({ code: 'invalid_json' });
    expect(fails('[1]')).toMatchObject({ code: 'invalid_message', message: 'a message must be a JSON object, but got array' });
    expect(fails('{"type":1}').message).toBe("a message expects the 'type' property to be a string, but got number");
    expect(fails('{"type":"subscribe","topics":"jobs"}')).toMatchObject({
      message: `"subscribe" message expects the 'topics' property to be an array of strings, but got string`,
      ref: 'subscribe',
    });
    expect(fails('{"type":"subscribe","topics":["jobs:1"],"presence":"yes"}')).toMatchObject({
      code: 'invalid_message',
      message: `"subscribe" message expects the 'presence' property to be a boolean, but got string`,
    });
    expect(fails('{"type":"subscribe","topics":[]}').message).toBe('"subscribe" message expects at least one topic');
    expect(fails('{"type":"subscribe","topics":["a",2]}').message).toBe(`"subscribe" message expects 'topics[1]' to be a string, but got number`);
    expect(fails('{"type":"resume","positions":{"jobs":{"offset":-1,"epoch":"e"}}}').message).toMatch(
      /'positions.jobs.offset' to be a non-negative integer, but got -1/,
    );
    expect(fails('{"type":"resume","positions":{}}').message).toMatch(/at least one topic/);
    expect(fails('{"type":"auth","token":""}').message).toMatch(/'token' property to be a non-empty string/);
    expect(fails('{"type":"nope"}')).toMatchObject({ code: 'unknown_type', ref: 'nope' });
  });

  it('never quotes more than a short prefix of an unknown type back', () => {
    const r = fails(JSON.stringify({ type: 'x'.repeat(10_000) }));
    expect(r.message.length).toBeLessThan(200);
    expect((r.ref ?? '').length).toBeLessThanOrEqual(64);
  });
});
