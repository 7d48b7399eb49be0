import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { createApi } from '../../api';
import type { Execution } from '../../bindings/Execution';
import type { ExecutionSummary } from '../../bindings/ExecutionSummary';
import type { FlowDocument } from '../../bindings/FlowDocument';
import type { FlowRecord } from '../../bindings/FlowRecord';
import { selectedStepId, useEditor } from '../../editor/store';
import { ApiProvider } from '../../lib/apiContext';
import { useToasts } from '../../lib/toast';
import { builtInComponents } from '../../test/components';
import { stubPlatform, type Answers } from '../../test/stubPlatform';
import { DesignerPage } from './DesignerPage';

/** A flow run by hand: its form asks who, and a run may set the region. */
const printDraft: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_print',
  name: 'Print',
  parameters: [{ name: 'region', type: 'string', default: 'EU', overridable: true }],
  steps: [
    {
      id: 'stp_run',
      component: 'manual',
      name: 'Run',
      config: { parameters: [{ name: 'who', type: 'string', required: true }] },
    },
  ],
  edges: [],
};

/** The tutorial's webhook flow: nothing to ask before it runs. */
const hookDraft: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_print',
  name: 'Pets',
  parameters: [{ name: 'limit', type: 'integer', default: 5, overridable: false }],
  steps: [{ id: 'stp_hook', component: 'webhook', name: 'Webhook', config: { slug: 'pets' } }],
  edges: [],
};

const record = (draft: FlowDocument): FlowRecord => ({
  draft,
  id: 'flw_print',
  name: draft.name,
  description: '',
  slug: null,
  liveSlug: null,
  live: false,
  latestVersion: null,
  draftChanged: true,
  lastExecution: null,
  createdAt: '2026-12-03T09:52:43.298Z',
  updatedAt: '2026-12-03T09:52:43.298Z',
});

// The core's answer to a draft run of Print with who = Ada.
const ran: Execution = {
  id: 'exe_print',
  flowId: 'flw_print',
  version: null,
  trigger: 'manual',
  status: 'succeeded',
  input: { params: { who: 'Ada' } },
  params: { region: 'NA' },
  output: { params: { who: 'Ada' } },
  error: null,
  failedStep: null,
  reply: null,
  createdAt: '2026-12-03T16:10:00.000Z',
  startedAt: '2026-12-03T16:10:00.001Z',
  finishedAt: '2026-12-03T16:10:00.004Z',
  durationMs: 3,
  steps: [],
};
const row: ExecutionSummary = {
  id: ran.id,
  flowId: ran.flowId,
  version: null,
  trigger: 'manual',
  status: 'succeeded',
  error: null,
  createdAt: ran.createdAt,
  durationMs: 3,
};

function renderDesigner(draft: FlowDocument, answers: Answers, focus: { step?: string; failed?: boolean } = {}) {
  const platform = stubPlatform({ getFlow: () => record(draft), components: () => builtInComponents, ...answers });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ApiProvider api={createApi(platform)}>
        <DesignerPage flowId="flw_print" step={focus.step} failed={focus.failed} />
      </ApiProvider>
    </QueryClientProvider>,
  );
  return platform;
}

/** Print with a step after its trigger that can fail. */
const countDraft: FlowDocument = {
  ...printDraft,
  steps: [
    ...printDraft.steps,
    { id: 'stp_count', component: 'transform', name: 'Count', inputs: { value: { expr: '$count(items)' } } },
  ],
  edges: [{ from: 'stp_run', to: 'stp_count' }],
};

const runButton = () => screen.findByRole('button', { name: 'Run once' }, { timeout: 5000 });

describe('Run once in the designer', () => {
  it("asks for the run form's values and the parameters a run may set, then shows the run with them", async () => {
    const platform = renderDesigner(printDraft, {
      runFlow: () => ran,
      listExecutions: () => [row],
      getExecution: () => ran,
    });
    fireEvent.click(await runButton());
    const dialog = await screen.findByTestId('run-dialog');
    expect(
      platform.calls.some((c) => c.op === 'runFlow'),
      'nothing runs before the form is sent',
    ).toBe(false);
    fireEvent.change(within(dialog).getByLabelText(/^who/), { target: { value: 'Ada' } });
    fireEvent.change(within(dialog).getByLabelText(/^region/), { target: { value: 'NA' } });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Run' }));
    });
    expect(platform.calls.find((c) => c.op === 'runFlow')?.args).toEqual({
      flow: 'flw_print',
      draft: true,
      params: { who: 'Ada', region: 'NA' },
      askFirst: true,
    });
    expect(screen.queryByTestId('run-dialog'), 'the form closes once the run is made').toBeNull();

    // The Runs tab opens on the run, with the values it ran with.
    const values = await screen.findByTestId('execution-params', {}, { timeout: 5000 });
    expect(values.textContent).toContain('region"NA"');
    expect(screen.getByTestId('execution-form').textContent).toContain('who"Ada"');
  });

  it("keeps the form open on the core's refusal of a value, shown on its field", async () => {
    renderDesigner(printDraft, {
      runFlow: () => {
        throw { code: 'invalid_parameter', message: 'parameter "who" is required and has no value' };
      },
    });
    fireEvent.click(await runButton());
    const dialog = await screen.findByTestId('run-dialog');
    fireEvent.change(within(dialog).getByLabelText(/^who/), { target: { value: 'Ada' } });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Run' }));
    });
    const who = within(dialog).getByLabelText(/^who/);
    expect(who.closest('.form-field')!.textContent).toContain('parameter "who" is required and has no value');
    expect(screen.getByTestId('run-dialog')).toBeTruthy();
  });

  it('runs at once, as before, when the flow takes no values', async () => {
    const platform = renderDesigner(hookDraft, {
      runFlow: () => ({ ...ran, trigger: 'manual', input: {}, params: { limit: 5 } }),
      listExecutions: () => [row],
      getExecution: () => ({ ...ran, input: {}, params: { limit: 5 } }),
    });
    const button = await runButton();
    await act(async () => {
      fireEvent.click(button);
    });
    expect(screen.queryByTestId('run-dialog')).toBeNull();
    expect(platform.calls.find((c) => c.op === 'runFlow')?.args).toEqual({
      flow: 'flw_print',
      draft: true,
      askFirst: true,
    });
    expect((await screen.findByTestId('execution-params', {}, { timeout: 5000 })).textContent).toContain('limit5');
    expect(screen.queryByTestId('execution-form'), 'a webhook run has no run form').toBeNull();
  });

  it('opens the parameters from the header and counts them', async () => {
    // The flow settings offer the other flows as its error handler.
    renderDesigner(hookDraft, { listFlows: () => [] });
    fireEvent.click(await screen.findByRole('button', { name: 'Parameters (1)' }, { timeout: 5000 }));
    const dialog = screen.getByTestId('parameters-dialog');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add parameter' }));
    expect(screen.getByRole('button', { name: 'Parameters (2)' })).toBeTruthy();
    expect(screen.getByTestId('dirty-indicator').textContent, 'a parameter is an edit of the draft').toBe('Unsaved');
  });
});

describe('the designer opened from a failed execution', () => {
  it('selects the step the execution failed at and marks it on the canvas', async () => {
    renderDesigner(
      countDraft,
      {
        // The Count step's panel previews its input: the run form's sample has no items to count.
        previewStep: () => ({
          stepId: 'stp_count',
          fields: [
            {
              field: 'value',
              source: { expr: '$count(items)' },
              value: 0,
              valueType: 'number',
              required: false,
              check: 'ok',
            },
          ],
        }),
      },
      { step: 'stp_count', failed: true },
    );
    const node = await screen.findByText('failed here', {}, { timeout: 5000 });
    expect(node.closest('[data-testid="step-node"]')!.getAttribute('data-step-id')).toBe('stp_count');
    expect(selectedStepId(useEditor.getState()), 'its panel is open').toBe('stp_count');
    expect(screen.getByRole('tab', { name: 'Step' }).getAttribute('aria-selected')).toBe('true');
    expect(screen.getAllByTestId('step-node-failed'), 'no other step is marked').toHaveLength(1);
  });

  it('says so when the draft no longer has that step', async () => {
    renderDesigner(printDraft, {}, { step: 'stp_count', failed: true });
    await screen.findByRole('button', { name: 'Run once' }, { timeout: 5000 });
    await waitFor(() =>
      expect(useToasts.getState().toasts.at(-1)?.message).toBe(
        'The draft has no step stp_count: it was removed or renamed since that run',
      ),
    );
    expect(useEditor.getState().failedStep).toBeNull();
    expect(screen.queryByTestId('step-node-failed')).toBeNull();
  });
});
