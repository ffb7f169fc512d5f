/** REST calls the end-to-end tests make from Node, as a script or another user would. */
import type { Host, Job, Notification, NotificationLevel, Vm } from '../../src/protocol/index.js';

export async function createNotification(baseUrl: string, title: string, level: NotificationLevel = 'info'): Promise<Notification> {
  const res = await fetch(`${baseUrl}/api/v1/notifications`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, message: `${title}: details`, level, category: 'system' }),
  });
  if (res.status !== 201) throw new Error(`POST notification: ${res.status} ${await res.text()}`);
  return (await res.json()) as Notification;
}

async function send<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** An agent's report of a host (and, with `vms`, its complete VM list). */
export const reportHost = (baseUrl: string, host: string, report: Record<string, unknown>): Promise<Host> =>
  send('PUT', `${baseUrl}/api/v1/hosts/${host}`, report);
export const changeVm = (baseUrl: string, host: string, vm: string, patch: Record<string, unknown>): Promise<Vm> =>
  send('PUT', `${baseUrl}/api/v1/vms/${host}/${vm}`, patch);
export const createVm = (baseUrl: string, body: Record<string, unknown>): Promise<Vm> => send('POST', `${baseUrl}/api/v1/vms`, body);
export const deleteVm = (baseUrl: string, host: string, vm: string): Promise<void> => send('DELETE', `${baseUrl}/api/v1/vms/${host}/${vm}`);
export const createJob = (baseUrl: string, type: string, parameters: Record<string, unknown> = {}): Promise<Job> =>
  send('POST', `${baseUrl}/api/v1/jobs`, { type, parameters });
