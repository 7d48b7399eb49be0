import { QueryClient } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { App } from '../App';
import { createApi } from '../api';
import type { Execution } from '../bindings/Execution';
import type { ExecutionStatus } from '../bindings/ExecutionStatus';
import type { ExecutionSummary } from '../bindings/ExecutionSummary';
import type { FlowSummary } from '../bindings/FlowSummary';
import type { Settings } from '../bindings/Settings';
import { RUN_LOG_PAGE } from '../lib/queries';
import { parseHash, useRouter } from '../lib/router';
import { localDate } from '../lib/runFilters';
import { stubPlatform, type Answers } from '../test/stubPlatform';
import { SEARCH_DELAY_MS } from './RunsPage';

const listening: Settings = {
  dataDir: '/home/user/.local/share/hookline',
  listenAddress: '127.0.0.1:8787',
  allowedHosts: [],
  eventsCredential: null,
  allowedFolders: [],
  allowedCommands: [],
  listener: { address: '127.0.0.1:8787', running: true, error: null, restartNeeded: false },
};

const orders: FlowSummary = {
  id: 'flw_orders',
  name: 'Orders',
  description: '',
  slug: 'orders',
  liveSlug: 'orders',
  live: true,
  latestVersion: 3,
  draftChanged: false,
  lastExecution: 'failed',
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:00:00.000Z',
};

/** The n-th execution of Orders: later ones were created later. */
const summary = (n: number, status: ExecutionStatus = 'failed'): ExecutionSummary => ({
  id: `exe_${String(n).padStart(3, '0')}`,
  flowId: 'flw_orders',
  version: 3,
  trigger: 'webhook',
  status,
  error: status === 'failed' ? 'POST http://127.0.0.1:9000/orders answered 500' : null,
  createdAt: new Date(Date.UTC(2026, 11, 4, 8, 0, n)).toISOString(),
  durationMs: 40 + n,
});

/** The core's answer to a replay of `original`: a new execution naming it. */
const replayOf = (original: string, n: number, status: ExecutionStatus): Execution => ({
  ...summary(900 + n, status),
  replayOf: original,
  input: {},
  params: {},
  output: null,
  failedStep: status === 'failed' ? 'stp_post' : null,
  reply: null,
  startedAt: '2026-12-04T09:00:00.000Z',
  finishedAt: '2026-12-04T09:00:00.050Z',
  steps: [],
});

function renderAt(hash: string, answers: Answers) {
  window.history.replaceState(null, '', `/${hash}`);
  useRouter.setState({ route: parseHash(hash), guard: null });
  const platform = stubPlatform({ settings: () => listening, listFlows: () => [orders], ...answers });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<App api={createApi(platform)} client={client} />);
  return platform;
}

const listCalls = (platform: ReturnType<typeof stubPlatform>) =>
  platform.calls.filter((c) => c.op === 'listExecutions').map((c) => c.args);

describe('the run log', () => {
  it('reads its filters from the link, sends them to the core and writes each change into the address', async () => {
    const platform = renderAt('#/runs?flow=flw_orders&status=failed&since=2h', {
      listExecutions: () => [summary(2), summary(1)],
    });
    await screen.findAllByTestId('execution-row');
    expect(listCalls(platform)[0], 'the link reproduces the list').toEqual({
      flow: 'flw_orders',
      status: 'failed',
      since: '2h',
      limit: RUN_LOG_PAGE,
    });
    expect((screen.getByLabelText('Flow') as HTMLSelectElement).value).toBe('flw_orders');
    expect((screen.getByLabelText('Status') as HTMLSelectElement).value).toBe('failed');
    expect((screen.getByLabelText('Time') as HTMLSelectElement).value, 'a typed age shows as typed').toBe('custom');
    expect((screen.getByLabelText('Since') as HTMLInputElement).value).toBe('2h');

    fireEvent.change(screen.getByLabelText('Trigger'), { target: { value: 'webhook' } });
    await waitFor(() => expect(listCalls(platform).at(-1)).toMatchObject({ trigger: 'webhook', status: 'failed' }));
    expect(window.location.hash).toBe('#/runs?flow=flw_orders&status=failed&trigger=webhook&since=2h');

    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'exe_00' } });
    expect(
      listCalls(platform).some((args) => 'search' in args),
      'nothing is asked while the id is being typed',
    ).toBe(false);
    await waitFor(() => expect(listCalls(platform).at(-1)).toMatchObject({ search: 'exe_00' }), {
      timeout: SEARCH_DELAY_MS * 5,
    });
    expect(window.location.hash).toContain('&search=exe_00');

    fireEvent.change(screen.getByLabelText('Time'), { target: { value: 'today' } });
    await waitFor(() => expect(listCalls(platform).at(-1)).toMatchObject({ since: localDate() }));
    expect(screen.queryByLabelText('Since'), 'a quick choice needs no typed time').toBeNull();

    fireEvent.change(screen.getByLabelText('Time'), { target: { value: 'custom' } });
    const until = screen.getByLabelText('Until');
    fireEvent.change(until, { target: { value: '1h' } });
    fireEvent.keyDown(until, { key: 'Enter' });
    await waitFor(() => expect(listCalls(platform).at(-1)).toMatchObject({ since: localDate(), until: '1h' }));
    expect(useRouter.getState().route).toEqual({
      name: 'runs',
      filters: {
        flow: 'flw_orders',
        status: 'failed',
        trigger: 'webhook',
        since: localDate(),
        until: '1h',
        search: 'exe_00',
      },
    });

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    });
    expect(window.location.hash).toBe('#/runs');
    await waitFor(() => expect(listCalls(platform).at(-1)).toEqual({ limit: RUN_LOG_PAGE }));
  });

  it('shows the core’s refusal of a time it cannot read', async () => {
    renderAt('#/runs?since=yesterday-ish', {
      listExecutions: (args) => {
        throw { code: 'invalid_input', message: `since ${JSON.stringify(args.since)}: not a time, a date or an age` };
      },
    });
    expect((await screen.findByTestId('runs-error')).textContent).toContain('since "yesterday-ish": not a time');
  });

  it('loads the next page after the last row, with no cap on how many are listed', async () => {
    const first = Array.from({ length: RUN_LOG_PAGE }, (_, i) => summary(RUN_LOG_PAGE + 3 - i, 'succeeded'));
    const second = [summary(3), summary(2), summary(1)];
    const platform = renderAt('#/runs?status=succeeded', {
      listExecutions: (args) => (args.before ? second : first),
    });
    await waitFor(() => expect(screen.getAllByTestId('execution-row')).toHaveLength(RUN_LOG_PAGE));
    expect(screen.getByRole('row', { name: /exe_053/ }).textContent).toContain('v3');

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    });
    await waitFor(() => expect(screen.getAllByTestId('execution-row')).toHaveLength(RUN_LOG_PAGE + 3));
    expect(listCalls(platform).at(-1), 'the page after the last execution listed').toEqual({
      status: 'succeeded',
      before: first.at(-1)!.id,
      limit: RUN_LOG_PAGE,
    });
    expect(screen.queryByRole('button', { name: 'Load more' }), 'a short page is the last one').toBeNull();
    expect(screen.getByTestId('runs-count').textContent).toContain(`${RUN_LOG_PAGE + 3} executions listed`);
  });

  it('follows executions as they progress, without polling', async () => {
    let running = summary(1, 'running');
    const platform = renderAt('#/runs', { listExecutions: () => [running] });
    const row = await screen.findByTestId('execution-row');
    expect(row.getAttribute('data-status')).toBe('running');
    const asked = listCalls(platform).length;
    running = { ...summary(1, 'succeeded') };
    act(() =>
      platform.emit({
        type: 'executionChanged',
        executionId: running.id,
        flowId: 'flw_orders',
        status: 'succeeded',
        stepId: null,
      }),
    );
    await waitFor(() =>
      expect(screen.getByTestId('execution-row').getAttribute('data-status'), 'the event refreshed the row').toBe(
        'succeeded',
      ),
    );
    expect(listCalls(platform).length).toBe(asked + 1);
  });

  it('replays the picked rows oldest first and says how each went', async () => {
    const rows = [summary(3), summary(2), summary(1)];
    const platform = renderAt('#/runs', {
      listExecutions: () => rows,
      replayExecution: (args) => replayOf(String(args.id), 1, 'succeeded'),
    });
    await screen.findAllByTestId('execution-row');
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select exe_003' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select exe_001' }));
    fireEvent.click(screen.getByRole('button', { name: 'Replay selected (2)' }));
    const dialog = screen.getByTestId('bulk-replay-dialog');
    expect(within(dialog).getByTestId('bulk-count').textContent).toContain('2 executions, oldest first');
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Replay 2 executions' }));
    });
    await within(dialog).findByTestId('bulk-summary');
    expect(
      platform.calls.filter((c) => c.op === 'replayExecution').map((c) => c.args),
      'one after the other, oldest first, as the command line does',
    ).toEqual([
      { id: 'exe_001', version: 'ran', from: 'trigger' },
      { id: 'exe_003', version: 'ran', from: 'trigger' },
    ]);
    expect(within(dialog).getByTestId('bulk-succeeded').textContent).toBe('2 succeeded');
  });

  it('replays every match of the filters with the choices made, showing progress, then succeeded, failed and refused', async () => {
    const matching = [summary(3), summary(2), summary(1)];
    let finishFirst: (replay: Execution) => void = () => undefined;
    const platform = renderAt('#/runs?status=failed', {
      listExecutions: () => matching,
      replayExecution: (args) => {
        if (args.id === 'exe_001') return new Promise<Execution>((resolve) => (finishFirst = resolve));
        if (args.id === 'exe_002') return replayOf('exe_002', 2, 'failed');
        throw {
          code: 'invalid_input',
          message: 'the failed step stp_post is not in the version chosen; replay from the trigger',
        };
      },
    });
    await screen.findAllByTestId('execution-row');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Replay all matching…' }));
    });
    const dialog = screen.getByTestId('bulk-replay-dialog');
    expect(within(dialog).getByTestId('bulk-count').textContent).toContain('3 executions');
    expect(listCalls(platform).at(-1), 'every match, not only the rows on screen').toEqual({
      status: 'failed',
      limit: 1000,
    });
    fireEvent.click(within(dialog).getByRole('radio', { name: 'The latest published version' }));
    fireEvent.click(within(dialog).getByRole('radio', { name: /The failed step/ }));
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Replay 3 executions' }));
    });

    const progress = within(dialog).getByTestId('bulk-progress');
    expect(progress.textContent).toContain('Replaying 1 of 3: exe_001');
    expect(within(progress).getByRole('progressbar').getAttribute('value')).toBe('0');
    await act(async () => finishFirst(replayOf('exe_001', 1, 'succeeded')));

    const done = await within(dialog).findByTestId('bulk-summary');
    expect(platform.calls.filter((c) => c.op === 'replayExecution').map((c) => c.args)).toEqual([
      { id: 'exe_001', version: 'latest', from: 'failed' },
      { id: 'exe_002', version: 'latest', from: 'failed' },
      { id: 'exe_003', version: 'latest', from: 'failed' },
    ]);
    expect(within(done).getByTestId('bulk-succeeded').textContent).toBe('1 succeeded');
    expect(within(done).getByTestId('bulk-failed').textContent).toBe('1 failed');
    expect(within(done).getByTestId('bulk-refused').textContent).toBe('1 not replayed');
    const refusal = within(done).getByTestId('bulk-refusal');
    expect(refusal.textContent, 'the core’s reason, by execution').toContain(
      'exe_003: the failed step stp_post is not in the version chosen',
    );
    const replays = within(done).getAllByTestId('bulk-replay');
    expect(replays.map((r) => r.textContent)).toEqual([
      expect.stringContaining('exe_001 → exe_901'),
      expect.stringContaining('exe_002 → exe_902'),
    ]);
    expect(within(replays[0]!).getByRole('link', { name: 'exe_901' }).getAttribute('href')).toBe('#/runs/exe_901');
  });

  it('opens an execution’s page from its row', async () => {
    renderAt('#/runs', { listExecutions: () => [summary(1)] });
    const link = await screen.findByTestId('execution-link');
    expect(link.getAttribute('href')).toBe('#/runs/exe_001');
    expect(link.textContent, 'rows name the flow, not its id').toBe('Orders');
    const row = screen.getByTestId('execution-row');
    expect(row.textContent).toContain('POST http://127.0.0.1:9000/orders answered 500');
    expect(row.textContent).toContain('webhook');
  });
});
