import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { create } from 'zustand';

import type { Api } from './api';
import { ConfirmHost } from './components/ConfirmHost';
import { Toasts } from './components/Toasts';
import { ApiProvider } from './lib/apiContext';
import { useCoreEvents, useSettings } from './lib/queries';
import { startRouter, useRouter, type Route } from './lib/router';
import { KeyRound, LayoutDashboard, ListChecks, MousePointerClick, Settings, Webhook } from './lib/uiIcons';
import { CredentialsPage } from './views/CredentialsPage';
import { FlowsPage } from './views/FlowsPage';
import { LauncherPage } from './views/LauncherPage';
import { RunsPage } from './views/RunsPage';
import { SettingsPage } from './views/SettingsPage';
import { DesignerPage } from './views/designer/DesignerPage';
import { ExecutionPage } from './views/runs/ExecutionPage';

/** Set when the browser's token is refused: the whole page explains what to do. */
export const useAuthProblem = create<{ unauthorized: boolean }>()(() => ({ unauthorized: false }));

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 15_000, retry: 1, refetchOnWindowFocus: true },
      mutations: { retry: false },
    },
  });
}

export function App({ api, client }: { api: Api; client?: QueryClient }) {
  const [queryClient] = useState(() => client ?? createQueryClient());
  return (
    <QueryClientProvider client={queryClient}>
      <ApiProvider api={api}>
        <Shell client={queryClient} />
      </ApiProvider>
    </QueryClientProvider>
  );
}

const NAV: { route: Route; label: string; icon: typeof Webhook }[] = [
  { route: { name: 'flows' }, label: 'Dashboard', icon: LayoutDashboard },
  { route: { name: 'runs' }, label: 'Run log', icon: ListChecks },
  { route: { name: 'launcher' }, label: 'Launcher', icon: MousePointerClick },
  { route: { name: 'credentials' }, label: 'Credentials', icon: KeyRound },
  { route: { name: 'settings' }, label: 'Settings', icon: Settings },
];

function Shell({ client }: { client: QueryClient }) {
  useCoreEvents(client);
  const route = useRouter((s) => s.route);
  const navigate = useRouter((s) => s.navigate);
  const unauthorized = useAuthProblem((s) => s.unauthorized);
  useEffect(() => startRouter(), []);

  if (unauthorized) return <Unauthorized />;

  const section = route.name === 'designer' ? 'flows' : route.name === 'execution' ? 'runs' : route.name;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <Webhook size={18} aria-hidden="true" /> Hookline
        </div>
        <ul>
          {NAV.map((item) => {
            const Icon = item.icon;
            const current = section === item.route.name;
            return (
              <li key={item.label}>
                <a
                  href={item.route.name === 'flows' ? '#/' : `#/${item.route.name}`}
                  className={`nav-link${current ? ' active' : ''}`}
                  aria-current={current ? 'page' : undefined}
                  onClick={(e) => {
                    e.preventDefault();
                    void navigate(item.route);
                  }}
                >
                  <Icon size={16} aria-hidden="true" /> {item.label}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        {route.name !== 'settings' && <ListenerDown onSettings={() => void navigate({ name: 'settings' })} />}
        {route.name === 'flows' && <FlowsPage />}
        {route.name === 'designer' && (
          <DesignerPage flowId={route.flowId} step={route.step ?? null} failed={route.failed ?? false} />
        )}
        {route.name === 'runs' && <RunsPage filters={route.filters ?? {}} />}
        {route.name === 'execution' && <ExecutionPage key={route.executionId} executionId={route.executionId} />}
        {route.name === 'launcher' && <LauncherPage />}
        {route.name === 'credentials' && <CredentialsPage />}
        {route.name === 'settings' && <SettingsPage />}
      </main>
      <Toasts />
      <ConfirmHost />
    </div>
  );
}

/**
 * The webhook listener could not bind (a busy port, say): hooks answer
 * nowhere until the address changes, so every page says so, not only Settings.
 */
function ListenerDown({ onSettings }: { onSettings: () => void }) {
  const { data } = useSettings();
  if (!data || data.listener.running || !data.listener.error) return null;
  return (
    <div className="listener-banner" role="alert" data-testid="listener-down">
      <span>Webhooks are not being received: {data.listener.error}</span>
      <button type="button" className="btn" onClick={onSettings}>
        Change the address in Settings
      </button>
    </div>
  );
}

function Unauthorized() {
  return (
    <main className="full-page-message" data-testid="unauthorized">
      <Webhook size={36} aria-hidden="true" />
      <h1>This page needs its access link</h1>
      <p>
        Hookline refused the request: the access token is missing or no longer valid. Open the URL that
        <code> hookline serve --ui </code>
        printed when it started (it ends in <code>?token=…</code>). Restarting the server prints a new one.
      </p>
    </main>
  );
}
