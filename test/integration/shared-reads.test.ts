/**
 * Resume log reads and snapshots are shared by connections asking the same question (see
 * src/core/topic-reads.ts) until the topic moves. These tests connect a second client after an
 * event went by: a read shared across that event would hand it a log or a snapshot without the
 * event, and since it was not buffering when the event was fanned out, it would never see it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startInProcess, type Running } from '../helpers/inprocess.js';
import { connectClient, connectReady, type Msg } from '../helpers/ws-client.js';

type Pos = { offset: number; epoch: string };
const isNotification = (m: Msg) => m.type === 'notification';

describe('shared reads never hide an event that went by', () => {
  let srv: Running;
  beforeAll(async () => {
    srv = await startInProcess();
  });
  afterAll(() => srv.close());

  const publish = (title: string) => api(srv.url, 'POST', '/api/v1/notifications', { title, message: 'm' });

  async function resumeFrom(position: Pos, expectedCount: number): Promise<number[]> {
    const client = await connectClient(`${srv.wsUrl}?resume=${encodeURIComponent(JSON.stringify({ notifications: position }))}`);
    const resumed = await client.next((m) => m.type === 'resumed');
    expect(resumed).toMatchObject({ recovered: true });
    const offsets: number[] = [];
    for (let i = 0; i < expectedCount; i++) offsets.push((await client.next(isNotification)).offset as number);
    await client.close();
    return offsets;
  }

  it('a resume after another event reads the log again', async () => {
    const { client, initial } = await connectReady(srv.wsUrl);
    const from = (initial.positions as Record<string, Pos>).notifications as Pos;
    await client.close();
    for (const title of ['a', 'b']) expect((await publish(title)).status).toBe(201);
    expect(await resumeFrom(from, 2)).toEqual([from.offset + 1, from.offset + 2]);
    // Same question, same answer while nothing moves.
    expect(await resumeFrom(from, 2)).toEqual([from.offset + 1, from.offset + 2]);
    expect((await publish('c')).status).toBe(201);
    expect(await resumeFrom(from, 3)).toEqual([from.offset + 1, from.offset + 2, from.offset + 3]);
  });

  it('a snapshot after another event includes it', async () => {
    const first = await connectReady(srv.wsUrl);
    const again = await connectReady(srv.wsUrl);
    expect(again.initial.data).toEqual(first.initial.data);
    const created = await publish('after both snapshots');
    expect(created.status).toBe(201);
    await first.client.next((m) => isNotification(m) && (m.data as { id: string }).id === created.body.id);
    const later = await connectReady(srv.wsUrl);
    const ids = (later.initial.data as { notifications: { id: string }[] }).notifications.map((n) => n.id);
    expect(ids).toContain(created.body.id);
    expect((later.initial.data as { unread_count: number }).unread_count).toBe((first.initial.data as { unread_count: number }).unread_count + 1);
    await Promise.all([first.client.close(), again.client.close(), later.client.close()]);
  });
});
