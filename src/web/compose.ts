/** The demo form: sends a test notification over REST, so a person can watch it arrive live. */
import type { NotificationLevel } from '../protocol/index.js';
import type { Api } from './api.js';
import { byId } from './dom.js';

export function createComposeForm(api: Api, report: (text: string) => void): void {
  const form = byId<HTMLFormElement>('compose');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const title = String(data.get('title') ?? '').trim();
    const message = String(data.get('message') ?? '').trim();
    const level = String(data.get('level') ?? 'info') as NotificationLevel;
    if (title === '' || message === '') {
      report('A test notification needs a title and a message.');
      return;
    }
    api.create({ title, message, level, category: 'system' }).then(
      () => report(`Sent “${title}”.`),
      (error: unknown) => report(`Could not send: ${error instanceof Error ? error.message : String(error)}`),
    );
  });
}
