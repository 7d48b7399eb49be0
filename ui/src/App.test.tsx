import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { App, createQueryClient } from './App';
import { createApi } from './api';
import { useRouter } from './lib/router';
import { createFakePlatform } from './platform/fake';

describe('app', () => {
  it('creates a flow from the empty list and opens it with the trigger chooser', async () => {
    window.history.replaceState(null, '', '/#/');
    useRouter.setState({ route: { name: 'flows' }, guard: null });
    const platform = createFakePlatform();
    render(<App api={createApi(platform)} client={createQueryClient()} />);
    expect(await screen.findByTestId('flows-empty')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'New flow' }));
    fireEvent.change(screen.getByLabelText('Flow name'), { target: { value: 'Orders' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    });
    const search = await screen.findByPlaceholderText('Search components');
    await waitFor(() => expect(document.activeElement).toBe(search));
    expect(screen.getByRole('dialog', { name: 'Choose a trigger' })).toBeTruthy();
    expect(useRouter.getState().route).toMatchObject({ name: 'designer' });
    expect((screen.getByLabelText('Flow name') as HTMLInputElement).value).toBe('Orders');
  });

  it('says on every page when webhooks cannot be received, and leads to Settings', async () => {
    window.history.replaceState(null, '', '/#/');
    useRouter.setState({ route: { name: 'flows' }, guard: null });
    const platform = createFakePlatform({ busyAddresses: ['127.0.0.1:8787'] });
    render(<App api={createApi(platform)} client={createQueryClient()} />);
    const banner = await screen.findByTestId('listener-down');
    expect(banner.textContent).toContain('address already in use');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Change the address in Settings' }));
    });
    expect(useRouter.getState().route).toMatchObject({ name: 'settings' });
    expect(await screen.findByTestId('listener-state')).toBeTruthy();
    expect(screen.queryByTestId('listener-down')).toBeNull();
  });
});
