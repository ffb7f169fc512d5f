/**
 * Signs in through the real OIDC code flow without a browser: follows the redirects between the
 * app and the provider by hand, with one cookie jar per origin, and submits the provider's dev
 * login and consent forms. Returns the app's session cookie (`name=value`).
 */
export class CookieJar {
  private readonly jars = new Map<string, Map<string, string>>();

  store(url: string, response: Response): void {
    const origin = new URL(url).origin;
    let jar = this.jars.get(origin);
    if (jar === undefined) this.jars.set(origin, (jar = new Map()));
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      if (eq <= 0) continue;
      const name = (pair as string).slice(0, eq).trim();
      const value = (pair as string).slice(eq + 1).trim();
      if (value === '' || /max-age=0/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  }

  header(url: string): string {
    const jar = this.jars.get(new URL(url).origin);
    return jar === undefined ? '' : [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(url: string, name: string): string | undefined {
    return this.jars.get(new URL(url).origin)?.get(name);
  }
}

async function step(jar: CookieJar, url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const cookie = jar.header(url);
  if (cookie !== '') headers.set('cookie', cookie);
  const response = await fetch(url, { ...init, headers, redirect: 'manual' });
  jar.store(url, response);
  return response;
}

/** Runs the whole sign-in for `login` (a provider account id). Returns the final response and the jar. */
export async function signIn(appUrl: string, login: string): Promise<{ jar: CookieJar; final: Response; trail: string[] }> {
  const jar = new CookieJar();
  const trail: string[] = [];
  let url = `${appUrl}/auth/login`;
  let response = await step(jar, url);
  for (let hops = 0; hops < 20; hops++) {
    trail.push(`${response.status} ${url}`);
    if (url.startsWith(`${appUrl}/auth/callback`)) break;
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location') as string, url).href;
      response = await step(jar, url);
      continue;
    }
    if (response.status === 200 && url.includes('/interaction/')) {
      const html = await response.text();
      const action = /action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
      if (action === undefined || prompt === undefined) throw new Error(`no form on ${url}`);
      const body = new URLSearchParams(prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
      url = new URL(action, url).href;
      response = await step(jar, url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      continue;
    }
    break;
  }
  return { jar, final: response, trail };
}
