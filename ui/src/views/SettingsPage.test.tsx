import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { createApi } from '../api';
import type { ApiError } from '../bindings/ApiError';
import type { CredentialView } from '../bindings/CredentialView';
import type { Settings } from '../bindings/Settings';
import type { StorageStatus } from '../bindings/StorageStatus';
import { ApiProvider } from '../lib/apiContext';
import { stubPlatform, type Answers } from '../test/stubPlatform';
import { SettingsPage } from './SettingsPage';

const settings: Settings = {
  dataDir: '/home/user/.local/share/hookline',
  listenAddress: '127.0.0.1:8787',
  allowedHosts: [],
  eventsCredential: null,
  allowedFolders: [],
  allowedCommands: [],
  listener: { address: '127.0.0.1:8787', running: true, error: null, restartNeeded: false },
};

// Two credentials the vault lists; the Settings page shows them by name, never their secrets.
const vault: CredentialView[] = [
  {
    id: 'crd_events',
    name: 'events-key',
    kind: 'api_key',
    fields: { header: 'X-Api-Key' },
    secrets: { key: '••••' },
    status: 'ok',
    problem: null,
    usedBy: [],
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
    verification: null,
    token: null,
  },
  {
    id: 'crd_ops',
    name: 'ops-bearer',
    kind: 'bearer',
    fields: {},
    secrets: { token: '••••' },
    status: 'ok',
    problem: null,
    usedBy: [],
    createdAt: '2026-12-01T10:00:00Z',
    updatedAt: '2026-12-01T10:00:00Z',
    verification: null,
    token: null,
  },
];

// What the core answered for a data dir with a few hundred executions.
const storage: StorageStatus = {
  databaseBytes: 5 * 1024 * 1024,
  freeBytes: 0,
  walBytes: 4096,
  rows: [
    { table: 'executions', rows: 312 },
    { table: 'step_runs', rows: 936 },
    { table: 'inbox', rows: 320 },
  ],
  lastPrune: null,
  retentionDays: 14,
  executionsPerFlow: 10000,
};

function renderPage(setAllowedHosts: Answers['setAllowedHosts'], more: Answers = {}) {
  const platform = stubPlatform({
    settings: () => settings,
    setAllowedHosts,
    listCredentials: () => vault,
    storageStatus: () => storage,
    ...more,
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ApiProvider api={createApi(platform)}>
        <SettingsPage />
      </ApiProvider>
    </QueryClientProvider>,
  );
  return platform;
}

describe('settings', () => {
  it('saves the host names a tunnel forwards, one per line', async () => {
    const platform = renderPage(({ hosts }) => ({ ...settings, allowedHosts: hosts as string[] }));
    const field = await screen.findByLabelText('Host names, one per line', {}, { timeout: 5000 });
    fireEvent.change(field, { target: { value: 'abc.trycloudflare.com\n\n  pets.example.net ' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save hosts' }));
    });
    expect(platform.calls.find((c) => c.op === 'setAllowedHosts')?.args).toEqual({
      hosts: ['abc.trycloudflare.com', 'pets.example.net'],
    });
    // The field shows the list as the core saved it.
    await waitFor(() => expect((field as HTMLTextAreaElement).value).toBe('abc.trycloudflare.com\npets.example.net'));
  });

  it('saves the allowed folders and commands, one path per line, spaces kept', async () => {
    // The core keeps what each call saved, as settings.json does.
    let saved: Settings = settings;
    const platform = renderPage(() => saved, {
      setAllowedFolders: ({ folders }) => (saved = { ...saved, allowedFolders: folders as string[] }),
      setAllowedCommands: ({ programs }) => (saved = { ...saved, allowedCommands: programs as string[] }),
    });
    const folders = await screen.findByLabelText('Folders, one absolute path per line', {}, { timeout: 5000 });
    fireEvent.change(folders, { target: { value: '/home/me/My Exports\n\n /srv/out ' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save folders' }));
    });
    expect(platform.calls.find((c) => c.op === 'setAllowedFolders')?.args).toEqual({
      folders: ['/home/me/My Exports', '/srv/out'],
    });
    // The field shows the list as the core saved it.
    await waitFor(() => expect((folders as HTMLTextAreaElement).value).toBe('/home/me/My Exports\n/srv/out'));
    fireEvent.change(screen.getByLabelText('Programs, one absolute path per line'), {
      target: { value: '/usr/bin/jq' },
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save commands' }));
    });
    expect(platform.calls.find((c) => c.op === 'setAllowedCommands')?.args).toEqual({ programs: ['/usr/bin/jq'] });
  });

  it('shows why the core refused a program', async () => {
    const refused: ApiError = {
      code: 'command_not_executable',
      message: '/home/me/notes.txt is not executable (chmod +x it, or allow the program that runs it)',
    };
    renderPage(() => settings, {
      setAllowedCommands: () => {
        throw refused;
      },
    });
    fireEvent.change(await screen.findByLabelText('Programs, one absolute path per line', {}, { timeout: 5000 }), {
      target: { value: '/home/me/notes.txt' },
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save commands' }));
    });
    expect(screen.getByRole('alert').textContent).toContain('is not executable');
  });

  it('shows what the core refuses', async () => {
    // The core's answer to a name that is not a host name.
    const refused: ApiError = {
      code: 'invalid_input',
      message: '"http://x/" is not a host name: expected a name such as abc.trycloudflare.com',
    };
    renderPage(() => {
      throw refused;
    });
    fireEvent.change(await screen.findByLabelText('Host names, one per line', {}, { timeout: 5000 }), {
      target: { value: 'http://x/' },
    });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save hosts' }));
    });
    expect(screen.getByRole('alert').textContent).toContain('is not a host name');
  });

  it('requires a vault credential from callers of POST /events, then clears it', async () => {
    const platform = renderPage(() => settings, {
      setEventsCredential: ({ credential }) => ({ ...settings, eventsCredential: (credential as string) ?? null }),
    });
    const select = (await screen.findByLabelText('Credential required by POST /events')) as HTMLSelectElement;
    expect(screen.getByText(/any program that can reach the listener may emit events/)).toBeTruthy();
    await waitFor(() => expect([...select.options].map((o) => o.text)).toContain('events-key (api_key)'));
    expect(
      [...select.options].map((o) => o.value),
      'none, then every credential in the vault',
    ).toEqual(['', 'events-key', 'ops-bearer']);

    fireEvent.change(select, { target: { value: 'events-key' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Require' }));
    });
    await waitFor(() => expect(select.value).toBe('events-key'));
    fireEvent.change(select, { target: { value: '' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    });
    expect(
      platform.calls.filter((c) => c.op === 'setEventsCredential').map((c) => c.args),
      'the chosen name, then no credential at all to clear it',
    ).toEqual([{ credential: 'events-key' }, {}]);
    // Saved as cleared: nothing left to apply.
    await waitFor(() => expect(screen.getByRole('button', { name: 'Clear' })).toHaveProperty('disabled', true));
  });

  it('keeps a saved credential the vault no longer has, so it can be cleared', async () => {
    const refused: ApiError = {
      code: 'credential_not_found',
      message: 'no credential "gone" in the vault; add it first (hookline vault add)',
    };
    renderPage(() => settings, {
      settings: () => ({ ...settings, eventsCredential: 'gone' }),
      setEventsCredential: () => {
        throw refused;
      },
    });
    const select = (await screen.findByLabelText('Credential required by POST /events')) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('gone'));
    expect(select.selectedOptions[0]!.text).toBe('gone (not in the vault)');
    fireEvent.change(select, { target: { value: 'ops-bearer' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Require' }));
    });
    expect(screen.getByRole('alert').textContent, "the core's refusal, on the form").toContain('in the vault');
  });

  it('shows what the database holds and prunes it at once', async () => {
    let pruned = false;
    const platform = renderPage(() => settings, {
      storageStatus: () =>
        pruned
          ? {
              ...storage,
              databaseBytes: 1024 * 1024,
              rows: [{ table: 'executions', rows: 12 }],
              lastPrune: { at: '2026-12-04T00:40:00.000Z', deleted: 1200, freedBytes: 4 * 1024 * 1024, durationMs: 35 },
            }
          : storage,
      pruneStorage: () => {
        pruned = true;
        return { at: '2026-12-04T00:40:00.000Z', deleted: 1200, freedBytes: 4 * 1024 * 1024, durationMs: 35 };
      },
    });
    const figures = await screen.findByTestId('storage-figures');
    expect(figures.textContent).toContain('5.0 MiB');
    expect(screen.getByTestId('last-prune').textContent).toBe('never');
    expect(screen.getByRole('row', { name: /step runs 936/ })).toBeTruthy();
    expect(screen.getByText(/older than 14 days/)).toBeTruthy();

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Prune now' }));
    });
    expect(platform.calls.filter((c) => c.op === 'pruneStorage')).toHaveLength(1);
    await waitFor(() =>
      expect(screen.getByTestId('last-prune').textContent).toContain('1200 rows, 4.0 MiB given back'),
    );
    expect(screen.getByTestId('storage-figures').textContent).toContain('1.0 MiB');
  });
});
