import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { createApi } from '../api';
import type { ApiError } from '../bindings/ApiError';
import type { Settings } from '../bindings/Settings';
import { ApiProvider } from '../lib/apiContext';
import { stubPlatform } from '../test/stubPlatform';
import { SettingsPage } from './SettingsPage';

const settings: Settings = {
  dataDir: '/home/user/.local/share/hookline',
  listenAddress: '127.0.0.1:8787',
  allowedHosts: [],
  listener: { address: '127.0.0.1:8787', running: true, error: null, restartNeeded: false },
};

function renderPage(setAllowedHosts: (args: Record<string, unknown>) => Settings) {
  const platform = stubPlatform({ settings: () => settings, setAllowedHosts });
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
});
