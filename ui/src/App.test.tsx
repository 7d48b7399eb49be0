import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { App, createQueryClient } from './App';
import { createApi } from './api';
import type { FlowActivity } from './bindings/FlowActivity';
import type { FlowRecord } from './bindings/FlowRecord';
import type { FlowSummary } from './bindings/FlowSummary';
import type { Settings } from './bindings/Settings';
import { useRouter } from './lib/router';
import { builtInComponents } from './test/components';
import { stubPlatform } from './test/stubPlatform';

const listening: Settings = {
  dataDir: '/home/user/.local/share/hookline',
  listenAddress: '127.0.0.1:8787',
  allowedHosts: [],
  eventsCredential: null,
  allowedFolders: [],
  allowedCommands: [],
  listener: { address: '127.0.0.1:8787', running: true, error: null, restartNeeded: false },
};

// The core's answers once a flow named Orders is created: an empty draft.
const orders: FlowSummary = {
  id: 'flw_orders',
  name: 'Orders',
  description: '',
  slug: null,
  liveSlug: null,
  live: false,
  latestVersion: null,
  draftChanged: true,
  lastExecution: null,
  createdAt: '2026-12-03T09:52:43.298Z',
  updatedAt: '2026-12-03T09:52:43.298Z',
};
/** A flow's dashboard row with nothing run in the last 24 hours. */
const idle = (flow: FlowSummary, extra: Partial<FlowActivity> = {}): FlowActivity => ({
  flowId: flow.id,
  name: flow.name,
  live: flow.live,
  runsToday: 0,
  failedToday: 0,
  hours: Array.from({ length: 24 }, (_, i) => ({
    start: new Date(Date.UTC(2026, 11, 3, i)).toISOString(),
    runs: 0,
    failed: 0,
  })),
  ...extra,
});

const ordersRecord: FlowRecord = {
  ...orders,
  draft: { schemaVersion: 1, id: 'flw_orders', name: 'Orders', steps: [], edges: [] },
};

describe('app', () => {
  it('shows when a started schedule flow fires next', async () => {
    window.history.replaceState(null, '', '/#/');
    useRouter.setState({ route: { name: 'flows' }, guard: null });
    const nightly: FlowSummary = {
      ...orders,
      id: 'flw_nightly',
      name: 'Nightly',
      live: true,
      latestVersion: 1,
      draftChanged: false,
      nextFireAt: '2026-12-04T01:30:00.000Z',
    };
    const platform = stubPlatform({
      settings: () => listening,
      listFlows: () => [nightly, orders],
      dashboard: () => [idle(nightly, { nextFire: nightly.nextFireAt }), idle(orders)],
    });
    render(<App api={createApi(platform)} client={createQueryClient()} />);
    const next = await screen.findByTestId('flow-next-fire');
    expect(next.textContent).toContain(
      new Date('2026-12-04T01:30:00.000Z').toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
    );
    expect(screen.getAllByTestId('flow-next-fire')).toHaveLength(1);
  });

  it('creates a flow from the empty list and opens it with the trigger chooser', async () => {
    window.history.replaceState(null, '', '/#/');
    useRouter.setState({ route: { name: 'flows' }, guard: null });
    let flows: FlowSummary[] = [];
    const platform = stubPlatform({
      settings: () => listening,
      listFlows: () => flows,
      dashboard: () => flows.map((flow) => idle(flow)),
      createFlow: () => {
        flows = [orders];
        platform.emit({ type: 'flowChanged', flowId: 'flw_orders' });
        return {
          flowId: 'flw_orders',
          created: true,
          problems: [{ path: 'steps', message: 'the flow has no steps; add a trigger' }],
        };
      },
      getFlow: () => ordersRecord,
      components: () => builtInComponents,
    });
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
    // What the core reports when another program holds the listener's port.
    const busy: Settings = {
      ...listening,
      listener: {
        address: '127.0.0.1:8787',
        running: false,
        error:
          'port 8787 is already in use on 127.0.0.1 (another program or Hookline listens there); change the listener address in Settings',
        restartNeeded: false,
      },
    };
    // Settings lists the vault's credentials for the events credential.
    const storage = {
      databaseBytes: 4096,
      freeBytes: 0,
      walBytes: 0,
      rows: [],
      lastPrune: null,
      retentionDays: 14,
      executionsPerFlow: 10000,
    };
    const platform = stubPlatform({
      settings: () => busy,
      listFlows: () => [],
      dashboard: () => [],
      listCredentials: () => [],
      storageStatus: () => storage,
    });
    render(<App api={createApi(platform)} client={createQueryClient()} />);
    const banner = await screen.findByTestId('listener-down');
    expect(banner.textContent).toContain('port 8787 is already in use');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Change the address in Settings' }));
    });
    expect(useRouter.getState().route).toMatchObject({ name: 'settings' });
    expect(await screen.findByTestId('listener-state')).toBeTruthy();
    expect(screen.queryByTestId('listener-down')).toBeNull();
  });
});
