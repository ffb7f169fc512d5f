/** watch's human lines for every event family (documented shapes) and the colour rules. */
import { describe, expect, it } from 'vitest';
import { formatEvent, formatSnapshot } from '../../src/cli/format.js';
import { clean, colorEnabled, painter, table } from '../../src/cli/output.js';

const plain = painter(false);
const T = '2026-01-01T10:00:00.000Z';
const job = { id: 'j-1', type: 'backup', status: 'failed', progress: 40, error: 'disk full', updated_at: T };

describe('formatEvent', () => {
  it.each([
    [
      {
        type: 'notification',
        action: 'created',
        data: { id: 'n-1', title: 'Up', message: 'h1 back', level: 'success', category: 'host', recipient: 'alice' },
        unread_count: 2,
      },
      /notification\.created +success host +Up: h1 back {2}→ alice {2}n-1 {2}\(2 unread\)$/,
    ],
    [{ type: 'notification', action: 'updated', data: { id: 'n-1', read: true }, unread_count: 1 }, /notification\.updated +read +n-1/],
    [{ type: 'notification', action: 'deleted', data: { id: 'n-1', reason: 'retention' }, unread_count: 1 }, /notification\.deleted +n-1 \(retention\)/],
    [{ type: 'notification', action: 'all_read', data: { before: null, count: 3 }, unread_count: 0 }, /notification\.all_read +3 marked read/],
    [
      { type: 'job', action: 'updated', data: { id: 'j-1', version: 3, changes: { status: 'failed' }, job } },
      /job\.updated +j-1 {2}backup +failed +40% {2}disk full$/,
    ],
    [{ type: 'job', action: 'deleted', data: { id: 'j-1', version: 5, reason: 'retention' } }, /job\.deleted +j-1 \(retention\)$/],
    [
      { type: 'inventory', action: 'deleted', data: { kind: 'vm', id: 'hv-01/old', version: 3, changes: {}, entity: { state: 'off' } } },
      /inventory\.deleted +vm +hv-01\/old$/,
    ],
    [
      { type: 'inventory', action: 'updated', data: { kind: 'vm', id: 'hv-01/web-01', version: 4, changes: { state: 'running' }, entity: {} } },
      /inventory\.updated +vm +hv-01\/web-01 {2}state=running$/,
    ],
    [
      { type: 'inventory', action: 'created', data: { kind: 'host', id: 'hv-09', version: 1, changes: {}, entity: { status: 'connected' } } },
      /inventory\.created +host +hv-09 {2}connected$/,
    ],
    [{ type: 'custom', topic: 'jobs', data: { hello: 'world' } }, /custom +\{"hello":"world"\}$/],
  ])('%#: %j', (message, pattern) => {
    const line = formatEvent(plain, message);
    expect(line).toMatch(/^\d\d:\d\d:\d\d {2}/);
    expect(line).toMatch(pattern);
  });

  it('job output: one line per output line', () => {
    const lines = formatEvent(plain, {
      type: 'job',
      action: 'output',
      data: {
        id: 'j-1',
        lines: [
          { seq: 1, text: 'copy 1' },
          { seq: 2, text: 'copy 2' },
        ],
      },
    }).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/job\.output +j-1 {2}\| copy 2$/);
  });

  it('server text cannot drive the terminal', () => {
    const line = formatEvent(plain, {
      type: 'notification',
      action: 'created',
      data: { id: 'x', title: 'a\u001b[2Jb', message: 'c\rd\ne', level: 'info', category: 'system' },
    });
    expect(line).not.toMatch(/[\u001b\r\n]/);
  });

  it('no server field can carry an escape, even with colour on', () => {
    const evil = 'x\u001b[2J';
    const lines = [
      formatEvent(painter(true), {
        type: 'notification',
        action: evil,
        data: { id: evil, title: 't', message: 'm', level: evil, category: evil, recipient: evil },
        unread_count: 1,
      }),
      formatEvent(painter(true), { type: 'job', action: 'updated', data: { id: evil, job: { id: evil, type: evil, status: evil, progress: 1, error: evil } } }),
      formatEvent(painter(true), { type: 'inventory', action: 'created', data: { kind: evil, id: evil, entity: { state: evil } } }),
    ];
    for (const line of lines) expect(line).not.toContain('\u001b[2J');
  });
});

describe('formatSnapshot', () => {
  it('notifications and jobs oldest first, an inventory summary', () => {
    const lines = formatSnapshot(plain, {
      notifications: [
        { id: 'new', title: 'B', message: 'b', level: 'info', category: 'system', created_at: T },
        { id: 'old', title: 'A', message: 'a', level: 'info', category: 'system', created_at: T },
      ],
      jobs: [job],
      inventory: { clusters: [{}], hosts: [{}, {}], vms: [{}, {}, {}] },
    });
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain('old');
    expect(lines[1]).toContain('new');
    expect(lines[2]).toMatch(/job +j-1/);
    expect(lines[3]).toMatch(/inventory +1 clusters, 2 hosts, 3 VMs/);
  });
});

describe('output', () => {
  it('colour only on a TTY and without NO_COLOR', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
  });

  it('a created host is painted by status, the escape codes intact', () => {
    const line = formatEvent(painter(true), {
      type: 'inventory',
      action: 'created',
      data: { kind: 'host', id: 'hv-09', version: 1, changes: {}, entity: { status: 'disconnected' } },
    });
    expect(line).toContain('\u001b[31mdisconnected\u001b[39m');
  });

  it('a coloured line has escapes; a plain one none', () => {
    const event = { type: 'notification', action: 'created', data: { id: 'n', title: 't', message: 'm', level: 'error', category: 'host' } };
    expect(formatEvent(painter(true), event)).toContain('\u001b[31merror');
    expect(formatEvent(plain, event)).not.toContain('\u001b');
  });

  it('tables align on text width, colour does not shift columns', () => {
    const rows = [
      { a: 'x', b: 'running' },
      { a: 'longer', b: 'off' },
    ];
    const cols = [
      { header: 'A', value: (r: { a: string }) => r.a },
      { header: 'B', value: (r: { b: string }) => r.b, style: () => 'green' as const },
    ];
    const coloured = table(rows, cols, painter(true)).replace(/\u001b\[\d+m/g, '');
    expect(coloured).toBe(table(rows, cols, plain));
    expect(table(rows, cols, plain)).toBe('A       B\nx       running\nlonger  off\n');
  });

  it('clean replaces control characters', () => {
    expect(clean('a\u0007b\u001bc')).toBe('a?b?c');
  });
});
