/** DUMMY_DATA: a few notifications so a fresh demo has something to show. */
import type { Logger } from '../core/socket.js';
import type { NotificationService } from './notifications.js';
import { DEV_PRINCIPAL } from '../auth/principal.js';
import type { CreateNotificationInput } from './notification-input.js';

const SEED: readonly CreateNotificationInput[] = [
  { title: 'Welcome to Aether-V', message: 'Live updates are on: this list changes the moment something happens.', level: 'success', category: 'system' },
  { title: 'Host hv-03 disconnected', message: 'Host hv-03 stopped answering heartbeats.', level: 'error', category: 'host', related_entity: { type: 'host', id: 'hv-03' } },
  { title: 'VM web-01 started', message: 'VM web-01 on hv-01 is running.', level: 'info', category: 'vm', related_entity: { type: 'vm', id: 'hv-01/web-01' } },
  { title: 'Backup job finished', message: 'Nightly backup of cluster A completed in 12 minutes.', level: 'success', category: 'job' },
  { title: 'Memory pressure on hv-02', message: 'hv-02 is at 91% memory; consider migrating a VM.', level: 'warning', category: 'host', related_entity: { type: 'host', id: 'hv-02' } },
];

/** Seeds the demo notifications once (when the inbox is empty). */
export async function seedDemoData(service: NotificationService, logger: Logger): Promise<void> {
  const page = await service.list(DEV_PRINCIPAL, { limit: 1, unreadOnly: false });
  if (page.totalCount > 0) return;
  for (const input of SEED) await service.createNotification(input);
  logger.info({ count: SEED.length }, 'seeded demo notifications');
}
