import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { createApi } from '../api';
import type { ApiError } from '../bindings/ApiError';
import type { ButtonView } from '../bindings/ButtonView';
import type { Execution } from '../bindings/Execution';
import type { FolderListing } from '../bindings/FolderListing';
import { ApiProvider } from '../lib/apiContext';
import { invalidateFor } from '../lib/queries';
import { stubPlatform, type Answers } from '../test/stubPlatform';
import { LauncherPage } from './LauncherPage';

/** A Button that converts one CSV file, with one editable and one fixed parameter. */
const convert: ButtonView = {
  flowId: 'flw_convert',
  flowName: 'Convert reports',
  hook: 'convert',
  version: 2,
  label: 'Convert to PDF',
  icon: 'file-text',
  placement: ['launcher', 'toolbar'],
  legend: 'Turns the picked report into a PDF.',
  fields: [
    { name: 'quality', type: 'integer', description: 'from 1 to 10', required: false, editable: true, value: 7 },
    { name: 'mode', type: 'string', description: '', required: false, editable: false, value: 'safe' },
  ],
  presets: { quality: 7 },
  selection: { pick: 'files', extensions: ['csv'], multiple: false, required: true },
  folders: ['/srv/reports'],
  guarded: true,
};

/** A Button offered only in the menu of a CSV file. */
const archive: ButtonView = {
  ...convert,
  flowId: 'flw_archive',
  flowName: 'Archive',
  hook: 'archive',
  label: 'Archive it',
  icon: 'archive',
  placement: ['context menu'],
  legend: '',
  fields: [],
  presets: {},
};

const roots: FolderListing = {
  path: null,
  parent: null,
  truncated: false,
  entries: [{ name: '/srv/reports', path: '/srv/reports', folder: true, selectable: false }],
};

const reports: FolderListing = {
  path: '/srv/reports',
  parent: null,
  truncated: false,
  entries: [
    { name: '2026', path: '/srv/reports/2026', folder: true, selectable: false },
    { name: 'march.csv', path: '/srv/reports/march.csv', folder: false, selectable: true, size: 2048 },
  ],
};

function execution(status: Execution['status']): Execution {
  return {
    id: 'exe_1',
    flowId: 'flw_convert',
    version: 2,
    trigger: 'webhook',
    status,
    input: { body: {} },
    params: { quality: 9, mode: 'safe' },
    output: status === 'succeeded' ? { pdf: 'march.pdf' } : null,
    error: null,
    failedStep: null,
    reply: null,
    createdAt: '2026-12-01T10:00:00Z',
    startedAt: '2026-12-01T10:00:00Z',
    finishedAt: null,
    durationMs: null,
    steps: [],
  } as Execution;
}

function renderPage(answers: Answers) {
  const platform = stubPlatform({
    listButtons: () => [convert, archive],
    listButtonFolder: ({ path }) => (path === '/srv/reports' ? reports : roots),
    ...answers,
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  platform.subscribe((event) => invalidateFor(client, event));
  render(
    <QueryClientProvider client={client}>
      <ApiProvider api={createApi(platform)}>
        <LauncherPage />
      </ApiProvider>
    </QueryClientProvider>,
  );
  return platform;
}

async function openReports() {
  fireEvent.click(await screen.findByRole('button', { name: 'Open /srv/reports' }));
  return screen.findByRole('checkbox', { name: 'Pick march.csv' });
}

describe('the Launcher', () => {
  it('lists launcher Buttons, puts toolbar ones on top and keeps menu-only ones out of both', async () => {
    renderPage({});
    const card = await screen.findByTestId('launcher-button');
    expect(card.textContent).toContain('Convert to PDF');
    expect(card.textContent).toContain('Convert reports · v2');
    expect(screen.getAllByTestId('launcher-button')).toHaveLength(1);
    const toolbar = screen.getByRole('toolbar', { name: 'Buttons toolbar' });
    expect(within(toolbar).getByRole('button', { name: /Convert to PDF/ })).toBeTruthy();
    expect(screen.queryByText('Archive it')).toBeNull();
  });

  it('presses a Button with the typed value and the picked file, then shows the run as it progresses', async () => {
    let status: Execution['status'] = 'running';
    const platform = renderPage({
      pressButton: () => ({
        executionId: 'exe_1',
        TaskID: 'exe_1',
        statusUrl: 'http://127.0.0.1:8787/executions/exe_1',
      }),
      getExecution: () => execution(status),
    });
    fireEvent.click(await screen.findByTestId('launcher-button'));
    const form = screen.getByTestId('button-form');
    expect(within(form).getByTestId('button-legend').textContent).toBe('Turns the picked report into a PDF.');
    expect(within(form).getByLabelText('Set by this Button').textContent).toContain('"safe"');
    const quality = within(form).getByLabelText(/^quality/) as HTMLInputElement;
    expect(quality.value).toBe('7');

    // Nothing picked yet: the rule says so and nothing is pressed.
    await act(async () => {
      fireEvent.click(within(form).getByRole('button', { name: 'Run' }));
    });
    expect(within(form).getByText('Pick a file first')).toBeTruthy();
    expect(platform.calls.some((c) => c.op === 'pressButton')).toBe(false);

    fireEvent.change(quality, { target: { value: '9' } });
    fireEvent.click(await openReports());
    expect(within(screen.getByTestId('picked')).getByText('/srv/reports/march.csv')).toBeTruthy();
    await act(async () => {
      fireEvent.click(within(form).getByRole('button', { name: 'Run' }));
    });
    expect(platform.calls.find((c) => c.op === 'pressButton')?.args).toEqual({
      flow: 'flw_convert',
      params: { quality: 9 },
      paths: ['/srv/reports/march.csv'],
    });
    const run = await screen.findByTestId('launcher-run');
    expect(run.dataset.executionId).toBe('exe_1');
    expect((await within(run).findByTestId('launcher-run-status')).textContent).toBe('running');

    status = 'succeeded';
    await act(async () => {
      platform.emit({
        type: 'executionChanged',
        executionId: 'exe_1',
        flowId: 'flw_convert',
        status: 'succeeded',
        stepId: null,
      });
    });
    expect(
      (await within(run).findByText('succeeded', { selector: '[data-testid="launcher-run-status"]' })).textContent,
    ).toBe('succeeded');
  });

  it("shows the core's refusal of a value on its field", async () => {
    const refusal: ApiError = {
      code: 'invalid_parameter',
      message: 'parameter "quality" must be an integer, not the number 2.5',
    };
    renderPage({
      pressButton: () => {
        throw refusal;
      },
    });
    fireEvent.click(await screen.findByTestId('launcher-button'));
    fireEvent.click(await openReports());
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Run' }));
    });
    const quality = screen.getByLabelText(/^quality/);
    expect(quality.closest('.form-field')!.textContent).toContain('must be an integer');
  });

  it("offers an item's other Buttons in its menu, opened with the item picked", async () => {
    renderPage({});
    fireEvent.click(await screen.findByTestId('launcher-button'));
    await openReports();
    fireEvent.click(screen.getByRole('button', { name: 'More for march.csv' }));
    fireEvent.click(within(screen.getByRole('menu', { name: 'Buttons for march.csv' })).getByRole('menuitem'));
    const form = screen.getByTestId('button-form');
    expect(form.dataset.flow).toBe('flw_archive');
    expect(within(form).getByTestId('picked').textContent).toContain('/srv/reports/march.csv');
  });

  it('says how to get Buttons when there are none', async () => {
    renderPage({ listButtons: () => [] });
    expect((await screen.findByTestId('launcher-empty')).textContent).toContain('/buttons');
  });
});
