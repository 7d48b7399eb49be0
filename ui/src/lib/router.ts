/**
 * A small hash router: `#/` (the dashboard; `#/flows` too), `#/flows/<id>`
 * (`?step=<stepId>` selects a step, `&failed=1` marks it as the one that
 * failed), `#/runs` (its filters in the query), `#/runs/<executionId>`,
 * `#/launcher`, `#/credentials`, `#/settings`. Hash URLs work the same under the desktop
 * shell's custom scheme and under `hookline serve --ui`. A guard (the
 * designer with unsaved edits) can hold a navigation until the user confirms.
 */
import { create } from 'zustand';

import { parseRunFilters, runFiltersQuery, type RunFilters } from './runFilters';

export type Route =
  | { name: 'flows' }
  | { name: 'designer'; flowId: string; step?: string; failed?: boolean }
  | { name: 'runs'; filters?: RunFilters }
  | { name: 'execution'; executionId: string }
  | { name: 'launcher' }
  | { name: 'credentials' }
  | { name: 'settings' };

export function parseHash(hash: string): Route {
  const address = hash.replace(/^#/, '');
  const mark = address.indexOf('?');
  const path = (mark < 0 ? address : address.slice(0, mark)).replace(/^\/+/, '');
  const query = new URLSearchParams(mark < 0 ? '' : address.slice(mark + 1));
  const [first, second] = path.split('/');
  if (first === 'flows' && second) {
    const step = query.get('step');
    const route: Route = { name: 'designer', flowId: decodeURIComponent(second) };
    if (step) return { ...route, step, ...(query.get('failed') === '1' ? { failed: true } : {}) };
    return route;
  }
  if (first === 'runs' && second) return { name: 'execution', executionId: decodeURIComponent(second) };
  if (first === 'runs') return { name: 'runs', filters: parseRunFilters(query) };
  if (first === 'launcher') return { name: 'launcher' };
  if (first === 'credentials') return { name: 'credentials' };
  if (first === 'settings') return { name: 'settings' };
  return { name: 'flows' };
}

export function routeHash(route: Route): string {
  switch (route.name) {
    case 'designer': {
      const base = `#/flows/${encodeURIComponent(route.flowId)}`;
      if (!route.step) return base;
      return `${base}?step=${encodeURIComponent(route.step)}${route.failed ? '&failed=1' : ''}`;
    }
    case 'runs': {
      const query = runFiltersQuery(route.filters ?? {});
      return query ? `#/runs?${query}` : '#/runs';
    }
    case 'execution':
      return `#/runs/${encodeURIComponent(route.executionId)}`;
    case 'launcher':
      return '#/launcher';
    case 'credentials':
      return '#/credentials';
    case 'settings':
      return '#/settings';
    default:
      return '#/';
  }
}

/** Resolves true when leaving is fine (nothing unsaved, or the user agreed). */
export type LeaveGuard = () => Promise<boolean>;

interface RouterState {
  route: Route;
  guard: LeaveGuard | null;
  setGuard(guard: LeaveGuard | null): void;
  navigate(route: Route): Promise<boolean>;
  /**
   * Changes the current page's address without a new history entry and
   * without asking the guard: a page's own state kept in the URL (the run
   * log's filters), not a way to leave it.
   */
  replace(route: Route): void;
}

export const useRouter = create<RouterState>()((set, get) => ({
  route: typeof window === 'undefined' ? { name: 'flows' } : parseHash(window.location.hash),
  guard: null,
  setGuard(guard) {
    set({ guard });
  },
  async navigate(route) {
    const target = routeHash(route);
    if (target === routeHash(get().route)) return true;
    const guard = get().guard;
    if (guard && !(await guard())) return false;
    set({ route, guard: null });
    if (window.location.hash !== target) window.history.pushState(null, '', target);
    return true;
  },
  replace(route) {
    const target = routeHash(route);
    if (target === routeHash(get().route)) return;
    set({ route });
    if (window.location.hash !== target) window.history.replaceState(null, '', target);
  },
}));

/** Follows the address bar (back/forward, typed URLs), asking the guard first. */
export function startRouter(): () => void {
  const onChange = async () => {
    const next = parseHash(window.location.hash);
    const { route, guard } = useRouter.getState();
    if (routeHash(next) === routeHash(route)) return;
    if (guard) {
      // Put the address back while the user decides.
      window.history.pushState(null, '', routeHash(route));
      if (!(await guard())) return;
      window.history.pushState(null, '', routeHash(next));
    }
    useRouter.setState({ route: next, guard: null });
  };
  window.addEventListener('popstate', onChange);
  window.addEventListener('hashchange', onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener('hashchange', onChange);
  };
}
