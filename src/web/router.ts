/**
 * Hash routes between the three views: `#/` (notifications home), `#/inventory`, `#/jobs` and
 * `#/jobs/<id>` (the jobs view with one job open). The nav links are plain links, so Tab and Enter
 * work; the active one has `aria-current="page"`, and focus moves to the view's heading.
 */
import { byId } from './dom.js';

export type View = 'home' | 'inventory' | 'jobs';
export interface Route {
  readonly view: View;
  /** With `jobs`: the open job. */
  readonly jobId: string | null;
  /** The filters after `?` (`#/inventory?q=web&state=running`), so a filtered view can be shared and reloaded. */
  readonly params: Readonly<Record<string, string>>;
}

const JOB_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** Parses `location.hash`; anything unknown is home. */
export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  const params = Object.fromEntries(new URLSearchParams(search));
  const parts = path.split('/');
  if (parts[0] === 'inventory' && parts.length === 1) return { view: 'inventory', jobId: null, params };
  if (parts[0] === 'jobs' && parts.length <= 2) {
    let id = '';
    try {
      id = decodeURIComponent(parts[1] ?? '');
    } catch {
      // A malformed escape: no job.
    }
    return { view: 'jobs', jobId: JOB_ID.test(id) ? id : null, params };
  }
  return { view: 'home', jobId: null, params: {} };
}

export const jobHref = (id: string): string => `#/jobs/${encodeURIComponent(id)}`;

/** `#/<view>` with `params` (empty values left out) as its query. */
export function viewHref(view: 'inventory' | 'jobs', params: Readonly<Record<string, string>>): string {
  const search = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
  return `#/${view}${search === '' ? '' : `?${search}`}`;
}

const VIEWS: readonly View[] = ['home', 'inventory', 'jobs'];

/** Shows the route's view now and on every hash change, and calls `onRoute` with it. */
export function startRouter(onRoute: (route: Route) => void): void {
  let shown: View | null = null;
  const apply = (): void => {
    const route = parseRoute(location.hash);
    for (const view of VIEWS) {
      byId(`view-${view}`).hidden = view !== route.view;
      const link = byId(`nav-${view}`);
      if (view === route.view) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    // Focus the heading on a change of view (not on the first load, nor when a job opens or closes).
    if (shown !== null && shown !== route.view) byId(`title-${route.view}`).focus();
    shown = route.view;
    onRoute(route);
  };
  addEventListener('hashchange', apply);
  apply();
}
