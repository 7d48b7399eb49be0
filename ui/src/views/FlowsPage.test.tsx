import { QueryClient } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { App } from '../App';
import { createApi } from '../api';
import type { FlowActivity } from '../bindings/FlowActivity';
import type { FlowSummary } from '../bindings/FlowSummary';
import type { HourActivity } from '../bindings/HourActivity';
import type { Settings } from '../bindings/Settings';
import { parseHash, useRouter } from '../lib/router';
import { localDate } from '../lib/runFilters';
import { stubPlatform, type Answers } from '../test/stubPlatform';

const listening: Settings = {
  dataDir: '/home/user/.local/share/hookline',
  listenAddress: '127.0.0.1:8787',
  allowedHosts: [],
  eventsCredential: null,
  allowedFolders: [],
  allowedCommands: [],
  listener: { address: '127.0.0.1:8787', running: true, error: null, restartNeeded: false },
};

const flow = (id: string, name: string, extra: Partial<FlowSummary> = {}): FlowSummary => ({
  id,
  name,
  description: '',
  slug: null,
  liveSlug: null,
  live: false,
  latestVersion: 1,
  draftChanged: false,
  lastExecution: null,
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:00:00.000Z',
  ...extra,
});

const orders = flow('flw_orders', 'Orders', { live: true, lastExecution: 'failed' });
const nightly = flow('flw_nightly', 'Nightly report', { live: true, nextFireAt: '2026-12-05T01:30:00.000Z' });
const sketch = flow('flw_sketch', 'Sketch', { latestVersion: null, draftChanged: true });

/** 24 hours ending now; `busy` gives some of them runs and failures (by index, oldest first). */
function hours(busy: Record<number, [number, number]> = {}): HourActivity[] {
  const now = Date.UTC(2026, 11, 4, 10);
  return Array.from({ length: 24 }, (_, i) => ({
    start: new Date(now - (23 - i) * 3_600_000).toISOString(),
    runs: busy[i]?.[0] ?? 0,
    failed: busy[i]?.[1] ?? 0,
  }));
}

const ordersToday = (runs: number, failed: number): FlowActivity => ({
  flowId: 'flw_orders',
  name: 'Orders',
  live: true,
  runsToday: runs,
  failedToday: failed,
  lastRun: {
    id: 'exe_last',
    flowId: 'flw_orders',
    version: 1,
    trigger: 'webhook',
    status: 'failed',
    error: 'POST http://127.0.0.1:9000/orders answered 500',
    createdAt: '2026-12-04T09:58:00.000Z',
    durationMs: 41,
  },
  hours: hours({ 20: [2, 0], 22: [3, 1], 23: [2, 2] }),
});

const nightlyToday: FlowActivity = {
  flowId: 'flw_nightly',
  name: 'Nightly report',
  live: true,
  runsToday: 1,
  failedToday: 0,
  nextFire: '2026-12-05T01:30:00.000Z',
  hours: hours({ 3: [1, 0] }),
};

const sketchToday: FlowActivity = {
  flowId: 'flw_sketch',
  name: 'Sketch',
  live: false,
  runsToday: 0,
  failedToday: 0,
  hours: hours(),
};

function renderDashboard(answers: Answers) {
  window.history.replaceState(null, '', '/#/');
  useRouter.setState({ route: parseHash('#/'), guard: null });
  const platform = stubPlatform({
    settings: () => listening,
    listFlows: () => [orders, nightly, sketch],
    ...answers,
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<App api={createApi(platform)} client={client} />);
  return platform;
}

const row = (id: string) => screen.getAllByTestId('flow-row').find((r) => r.getAttribute('data-flow-id') === id)!;

describe('the dashboard', () => {
  it('shows per flow its state, today’s runs and failures, the last run, the next fire and its last 24 hours', async () => {
    renderDashboard({ dashboard: () => [ordersToday(12, 3), nightlyToday, sketchToday] });
    await waitFor(() => expect(within(row('flw_orders')).getByTestId('flow-runs-today').textContent).toBe('12'));

    const failing = row('flw_orders');
    expect(failing.className, 'a flow with failures today stands out').toContain('has-failures');
    expect(within(failing).getByTestId('flow-failed-today').textContent).toBe('3 failed');
    expect(within(failing).getByTestId('flow-state').textContent).toBe('Live');
    const last = within(failing).getByTestId('flow-last-run');
    expect(last.textContent).toBe('failed');
    expect(last.closest('a')!.getAttribute('href'), 'the last run opens its page').toBe('#/runs/exe_last');
    const spark = within(failing).getByTestId('sparkline');
    expect(spark.getAttribute('aria-label')).toBe('Last 24 hours: 7 runs, 3 failed');
    expect(spark.querySelectorAll('.sparkline-failed'), 'one red bar per hour with failures').toHaveLength(2);
    expect(spark.querySelectorAll('.sparkline-ok'), 'and the rest of each busy hour').toHaveLength(2);

    const quiet = row('flw_nightly');
    expect(quiet.className).not.toContain('has-failures');
    expect(within(quiet).getByTestId('flow-failed-today').textContent).toBe('0');
    expect(within(quiet).getByTestId('flow-next-fire').textContent).toBe(
      new Date('2026-12-05T01:30:00.000Z').toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
    );
    expect(within(row('flw_sketch')).getByTestId('flow-state').textContent).toBe('Stopped');
    expect(screen.getAllByTestId('flow-next-fire'), 'only the scheduled flow fires').toHaveLength(1);

    expect(screen.getByTestId('dashboard-summary').textContent).toBe('Today: 13 runs, 3 failed · 2 of 3 flows live');
    expect(screen.getByRole('button', { name: 'New flow' }), 'the flow list’s actions stay').toBeTruthy();
    expect(screen.getByRole('link', { name: 'Sketch' }).getAttribute('href')).toBe('#/flows/flw_sketch');
  });

  it('opens the run log on a flow’s failures of today from its count', async () => {
    const platform = renderDashboard({
      dashboard: () => [ordersToday(12, 3), nightlyToday, sketchToday],
      listExecutions: () => [],
    });
    await screen.findByTestId('dashboard-summary');
    const link = within(row('flw_orders')).getByTestId('flow-failed-today');
    expect(link.getAttribute('href')).toBe(`#/runs?flow=flw_orders&status=failed&since=${localDate()}`);
    await act(async () => {
      fireEvent.click(link);
    });
    expect(useRouter.getState().route).toEqual({
      name: 'runs',
      filters: { flow: 'flw_orders', status: 'failed', since: localDate() },
    });
    await waitFor(() =>
      expect(platform.calls.find((c) => c.op === 'listExecutions')?.args).toEqual({
        flow: 'flw_orders',
        status: 'failed',
        since: localDate(),
        limit: 50,
      }),
    );
    expect((await screen.findByTestId('runs-none-match')).textContent).toContain('No execution matches these filters');
  });

  it('counts again when an execution changes', async () => {
    let today = ordersToday(12, 3);
    const platform = renderDashboard({ dashboard: () => [today, nightlyToday, sketchToday] });
    await waitFor(() => expect(within(row('flw_orders')).getByTestId('flow-runs-today').textContent).toBe('12'));
    today = ordersToday(13, 3);
    act(() =>
      platform.emit({
        type: 'executionChanged',
        executionId: 'exe_new',
        flowId: 'flw_orders',
        status: 'succeeded',
        stepId: null,
      }),
    );
    await waitFor(() => expect(within(row('flw_orders')).getByTestId('flow-runs-today').textContent).toBe('13'));
  });
});
