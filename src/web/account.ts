/** Who is signed in: the name in the header, and the sign-out button for a browser session. */
import type { Api } from './api.js';
import { byId } from './dom.js';
import type { Fail } from './notifications-ui.js';

export function showAccount(api: Api, account: { name: string; method: string }, fail: Fail): void {
  const user = byId('user');
  user.textContent = account.name;
  user.hidden = false;
  if (account.method !== 'session') return;
  const signOut = byId<HTMLButtonElement>('sign-out');
  signOut.hidden = false;
  signOut.addEventListener('click', () => {
    signOut.disabled = true;
    api.signOut().then(() => location.reload(), fail('Signing out'));
  });
}
