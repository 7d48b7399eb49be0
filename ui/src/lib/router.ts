/**
 * A small hash router: `#/`, `#/flows/<id>`, `#/runs`, `#/launcher`, `#/settings`. Hash
 * URLs work the same under the desktop shell's custom scheme and under
 * `hookline serve --ui`. A guard (the designer with unsaved edits) can hold
 * a navigation until the user confirms.
 */
import { create } from 'zustand';

export type Route =
  | { name: 'flows' }
  | { name: 'designer'; flowId: string }
  | { name: 'runs' }
  | { name: 'launcher' }
  | { name: 'settings' };

export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '');
  const [first, second] = path.split('/');
  if (first === 'flows' && second) return { name: 'designer', flowId: decodeURIComponent(second) };
  if (first === 'runs') return { name: 'runs' };
  if (first === 'launcher') return { name: 'launcher' };
  if (first === 'settings') return { name: 'settings' };
  return { name: 'flows' };
}

export function routeHash(route: Route): string {
  switch (route.name) {
    case 'designer':
      return `#/flows/${encodeURIComponent(route.flowId)}`;
    case 'runs':
      return '#/runs';
    case 'launcher':
      return '#/launcher';
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
