/** REST calls the end-to-end tests make from Node, as a script or another user would. */
import type { Notification, NotificationLevel } from '../../src/protocol/index.js';

export async function createNotification(baseUrl: string, title: string, level: NotificationLevel = 'info'): Promise<Notification> {
  const res = await fetch(`${baseUrl}/api/v1/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, message: `${title}: details`, level, category: 'system' }),
  });
  if (res.status !== 201) throw new Error(`POST notification: ${res.status} ${await res.text()}`);
  return (await res.json()) as Notification;
}
