import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { EditorView } from '@codemirror/view';
import { describe, expect, it } from 'vitest';

import { createApi } from '../../api';
import type { Execution } from '../../bindings/Execution';
import type { ExecutionSummary } from '../../bindings/ExecutionSummary';
import type { FlowDocument } from '../../bindings/FlowDocument';
import type { FlowRecord } from '../../bindings/FlowRecord';
import type { FlowSummary } from '../../bindings/FlowSummary';
import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import { ApiProvider } from '../../lib/apiContext';
import { failureProblem } from '../../lib/errorHandler';
import { useToasts } from '../../lib/toast';
import { builtInComponents } from '../../test/components';
import { stubPlatform, type Answers, type CallArgs } from '../../test/stubPlatform';
import { DesignerPage } from './DesignerPage';

const summary = (id: string, name: string, extra: Partial<FlowSummary> = {}): FlowSummary => ({
  id,
  name,
  description: '',
  slug: null,
  liveSlug: null,
  live: true,
  latestVersion: 3,
  draftChanged: false,
  lastExecution: null,
  createdAt: '2026-12-03T09:52:43.298Z',
  updatedAt: '2026-12-03T09:52:43.298Z',
  ...extra,
});

const doc = (id: string, name: string, steps: FlowDocument['steps'], errorHandler?: string): FlowDocument => ({
  schemaVersion: 1,
  id,
  name,
  steps,
  edges: [],
  ...(errorHandler === undefined ? {} : { errorHandler }),
});
const manualStep = { id: 'stp_run', component: 'manual', name: 'Run', config: {} };
const hookStep = (slug: string) => ({ id: 'stp_hook', component: 'webhook', name: 'Webhook', config: { slug } });

/**
 * The handler being designed, Alert (a Manual trigger, published, unchanged
 * since), and the flows around it: Orders and Billing name it as their error
 * handler, Pets names another flow.
 */
const drafts: Record<string, FlowDocument> = {
  flw_alert: doc('flw_alert', 'Alert', [manualStep]),
  flw_orders: doc('flw_orders', 'Orders', [hookStep('orders')], 'flw_alert'),
  flw_billing: doc('flw_billing', 'Billing', [hookStep('billing')], 'flw_alert'),
  flw_pets: doc('flw_pets', 'Pets', [hookStep('pets')], 'flw_orders'),
};
const flows: FlowSummary[] = [
  summary('flw_alert', 'Alert'),
  summary('flw_orders', 'Orders', { slug: 'orders', liveSlug: 'orders' }),
  summary('flw_billing', 'Billing', { slug: 'billing', liveSlug: 'billing' }),
  summary('flw_pets', 'Pets', { slug: 'pets', liveSlug: 'pets' }),
];
const record = (id: string, draft = drafts[id]!): FlowRecord => ({ ...flows.find((f) => f.id === id)!, draft });

const failedRow = (id: string, flowId: string, createdAt: string): ExecutionSummary => ({
  id,
  flowId,
  version: 4,
  trigger: 'webhook',
  status: 'failed',
  error: 'HTTP 503 from http://warehouse.local/ship',
  createdAt,
  durationMs: 1200,
});

/** Billing's failed execution, the newest of the two flows naming Alert: its Ship step failed on its second try. */
const billingFailure: Execution = {
  id: 'exe_billing',
  flowId: 'flw_billing',
  version: 4,
  trigger: 'webhook',
  status: 'failed',
  input: { method: 'POST', path: '/hook/billing', body: { invoice: 77 } },
  params: { region: 'EU' },
  output: null,
  error: 'HTTP 503 from http://warehouse.local/ship',
  failedStep: 'stp_ship',
  reply: null,
  createdAt: '2026-12-03T11:00:00.000Z',
  startedAt: '2026-12-03T11:00:00.001Z',
  finishedAt: '2026-12-03T11:00:01.200Z',
  durationMs: 1200,
  steps: [
    {
      stepId: 'stp_hook',
      name: 'Webhook',
      component: 'webhook',
      status: 'succeeded',
      input: null,
      output: { body: { invoice: 77 } },
      error: null,
      startedAt: '2026-12-03T11:00:00.001Z',
      durationMs: 0,
    },
    {
      stepId: 'stp_ship',
      name: 'Ship',
      component: 'http_request',
      status: 'failed',
      input: { method: 'POST', url: 'http://warehouse.local/ship', body: { invoice: 77 } },
      output: null,
      error: 'HTTP 503 from http://warehouse.local/ship',
      startedAt: '2026-12-03T11:00:00.002Z',
      durationMs: 1100,
      attempts: [
        { startedAt: '2026-12-03T11:00:00.002Z', durationMs: 100, error: 'HTTP 503', waitedMs: 1000 },
        { startedAt: '2026-12-03T11:00:01.102Z', durationMs: 98, error: 'HTTP 503' },
      ],
    },
  ],
};

/** Alert's run with the sample failure. */
const handled = (input: Execution['input']): Execution => ({
  id: 'exe_handled',
  flowId: 'flw_alert',
  version: null,
  trigger: 'manual',
  status: 'succeeded',
  input,
  params: {},
  output: input,
  error: null,
  failedStep: null,
  reply: null,
  createdAt: '2026-12-03T16:10:00.000Z',
  startedAt: '2026-12-03T16:10:00.001Z',
  finishedAt: '2026-12-03T16:10:00.004Z',
  durationMs: 3,
  steps: [],
});

/**
 * The designer of `flowId` over the flows above. `failed` is each flow's
 * failed executions, newest first; the handler's own run is answered as
 * succeeded with the input it was given.
 */
function renderDesigner(flowId: string, failed: Record<string, ExecutionSummary[]>, answers: Answers = {}) {
  let ran: Execution | null = null;
  const platform = stubPlatform({
    components: () => builtInComponents,
    listFlows: () => flows,
    getFlow: ({ flow }) => record(String(flow)),
    listExecutions: (args: CallArgs) => {
      if (args.status === 'failed') return failed[String(args.flow)] ?? [];
      return ran && args.flow === ran.flowId
        ? [{ ...failedRow(ran.id, ran.flowId, ran.createdAt), status: 'succeeded' }]
        : [];
    },
    getExecution: ({ id }) => {
      if (id === billingFailure.id) return billingFailure;
      if (ran && id === ran.id) return ran;
      throw { code: 'execution_not_found', message: `no execution ${String(id)}` };
    },
    runFlow: (args: CallArgs) => {
      ran = handled(args.input as Execution['input']);
      return ran;
    },
    ...answers,
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ApiProvider api={createApi(platform)}>
        <DesignerPage flowId={flowId} />
      </ApiProvider>
    </QueryClientProvider>,
  );
  return platform;
}

const sampleButton = () => screen.findByRole('button', { name: 'Run with a sample failure' }, { timeout: 5000 });

/** The text of the CodeMirror editor inside `host`. */
const editorText = (host: HTMLElement) =>
  EditorView.findFromDOM(host.querySelector<HTMLElement>('.cm-editor')!)!.state.doc.toString();

/** Replaces the whole text of the CodeMirror editor inside `host`, as typing would. */
function typeInto(host: HTMLElement, text: string) {
  const view = EditorView.findFromDOM(host.querySelector<HTMLElement>('.cm-editor')!)!;
  act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }));
}

async function openSample() {
  fireEvent.click(await sampleButton());
  const dialog = await screen.findByTestId('failure-run-dialog');
  const editor = await within(dialog).findByTestId('failure-sample', {}, { timeout: 5000 });
  // The sample is checked as the editor opens on it.
  const run = within(dialog).getByRole('button', { name: 'Run' }) as HTMLButtonElement;
  await waitFor(() => expect(run.disabled).toBe(false));
  return { dialog, editor };
}

async function pressRun(dialog: HTMLElement) {
  await act(async () => {
    fireEvent.click(within(dialog).getByRole('button', { name: 'Run' }));
  });
}

describe('the error handler in the flow settings', () => {
  it('is saved with the draft when chosen, and None takes it out of the saved draft', async () => {
    const platform = renderDesigner(
      'flw_orders',
      {},
      { saveDraft: () => ({ flowId: 'flw_orders', created: false, problems: [] }) },
    );
    // Orders names Alert as its handler: choose Billing instead, then None.
    fireEvent.click(await screen.findByRole('button', { name: 'Parameters' }, { timeout: 5000 }));
    const dialog = screen.getByTestId('parameters-dialog');
    const select = within(dialog).getByLabelText('Flow started when a run fails') as HTMLSelectElement;
    await within(dialog).findByRole('option', { name: 'Billing' });
    expect(select.value).toBe('flw_alert');

    fireEvent.change(select, { target: { value: 'flw_billing' } });
    expect(screen.getByTestId('dirty-indicator').textContent, 'the handler is an edit of the draft').toBe('Unsaved');
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    });
    const saves = () => platform.calls.filter((c) => c.op === 'saveDraft');
    expect((saves()[0]!.args.document as FlowDocument).errorHandler).toBe('flw_billing');

    fireEvent.change(select, { target: { value: '' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    });
    expect(saves()).toHaveLength(2);
    expect(saves()[1]!.args.document, 'None is no errorHandler in the saved draft').not.toHaveProperty('errorHandler');
    expect(screen.getByTestId('dirty-indicator').textContent).toBe('Saved');
  });

  it('flags a handler that is no flow any more', async () => {
    renderDesigner(
      'flw_orders',
      {},
      { getFlow: ({ flow }) => record(String(flow), { ...drafts.flw_orders!, errorHandler: 'flw_gone' }) },
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Parameters' }, { timeout: 5000 }));
    expect((await screen.findByTestId('error-handler-missing')).textContent).toContain('flw_gone: no such flow');
  });
});

describe('Run with a sample failure', () => {
  it('is offered only for a flow whose trigger is Manual', async () => {
    renderDesigner('flw_orders', {});
    await screen.findByRole('button', { name: 'Run once' }, { timeout: 5000 });
    expect(screen.queryByRole('button', { name: 'Run with a sample failure' })).toBeNull();
  });

  it('runs the flow with the newest failed execution of a flow naming it as its error handler', async () => {
    const platform = renderDesigner('flw_alert', {
      flw_orders: [failedRow('exe_orders', 'flw_orders', '2026-12-03T10:00:00.000Z')],
      flw_billing: [failedRow('exe_billing', 'flw_billing', '2026-12-03T11:00:00.000Z')],
      flw_pets: [failedRow('exe_pets', 'flw_pets', '2026-12-03T12:00:00.000Z')],
    });
    const { dialog, editor } = await openSample();
    const failedLookups = platform.calls
      .filter((c) => c.op === 'listExecutions' && c.args.status === 'failed')
      .map((c) => c.args);
    expect(failedLookups, 'only the flows whose draft names Alert are asked').toEqual([
      { flow: 'flw_orders', status: 'failed', limit: 1 },
      { flow: 'flw_billing', status: 'failed', limit: 1 },
    ]);
    const source = within(dialog).getByTestId('failure-sample-source');
    expect(source.textContent).toContain('The newest failed execution of Billing');
    expect(within(source).getByRole('link', { name: 'exe_billing' }).getAttribute('href')).toBe('#/runs/exe_billing');

    const expected = {
      execution: {
        id: 'exe_billing',
        flowId: 'flw_billing',
        flowName: 'Billing',
        version: 4,
        trigger: 'webhook',
        createdAt: '2026-12-03T11:00:00.000Z',
        finishedAt: '2026-12-03T11:00:01.200Z',
        input: { method: 'POST', path: '/hook/billing', body: { invoice: 77 } },
        params: { region: 'EU' },
      },
      failedStep: {
        id: 'stp_ship',
        name: 'Ship',
        component: 'http_request',
        input: { method: 'POST', url: 'http://warehouse.local/ship', body: { invoice: 77 } },
        attempts: 2,
      },
      error: 'HTTP 503 from http://warehouse.local/ship',
    };
    expect(JSON.parse(editorText(editor)), 'the sample is shown before anything runs').toEqual(expected);
    expect(platform.calls.some((c) => c.op === 'runFlow')).toBe(false);

    await pressRun(dialog);
    expect(platform.calls.find((c) => c.op === 'runFlow')?.args).toEqual({
      flow: 'flw_alert',
      // Published and unchanged: it runs what a failure runs.
      draft: false,
      input: expected,
      askFirst: true,
    });
    expect(screen.queryByTestId('failure-run-dialog'), 'the form closes once the run is made').toBeNull();
    const toast = useToasts.getState().toasts.at(-1)!;
    expect(toast.message).toMatch(/^Run of v3 with a sample failure succeeded/);
    expect(toast.action?.label).toBe('Details');
    // The Runs tab opens on the run, as Run once does.
    await waitFor(() => expect(screen.getByRole('tab', { name: 'Runs' }).getAttribute('aria-selected')).toBe('true'));
  });

  it('runs a made-up failure of the same shape when no flow naming it has failed', async () => {
    const platform = renderDesigner('flw_alert', {});
    const { dialog, editor } = await openSample();
    expect(within(dialog).getByTestId('failure-sample-source').textContent).toContain(
      'Orders, Billing name this flow as their error handler but have no failed execution yet: this is a made-up example',
    );
    expect(failureProblem(JSON.parse(editorText(editor)) as JsonValue), 'the example has the shape').toBeNull();
    await pressRun(dialog);
    const input = platform.calls.find((c) => c.op === 'runFlow')!.args.input;
    expect(input).toEqual({
      execution: {
        id: 'exe_example',
        flowId: 'flw_example',
        flowName: 'Example flow',
        version: 1,
        trigger: 'webhook',
        createdAt: expect.any(String),
        finishedAt: expect.any(String),
        input: expect.objectContaining({ method: 'POST', body: expect.any(Object) }),
        params: {},
      },
      failedStep: {
        id: 'stp_create_order',
        name: 'Create order',
        component: 'http_request',
        input: expect.objectContaining({ url: 'https://api.example.com/orders' }),
        attempts: 3,
      },
      error: 'HTTP 503 from https://api.example.com/orders',
    });
    expect(platform.calls.some((c) => c.op === 'getExecution' && c.args.id !== 'exe_handled')).toBe(false);
  });

  it('says no flow names it yet, and runs nothing until an edited sample has the shape', async () => {
    const platform = renderDesigner(
      'flw_alert',
      {},
      { listFlows: () => flows.filter((f) => f.id === 'flw_alert' || f.id === 'flw_pets') },
    );
    const { dialog, editor } = await openSample();
    expect(within(dialog).getByTestId('failure-sample-source').textContent).toContain(
      'No flow names this one as its error handler yet: this is a made-up example',
    );
    const run = within(dialog).getByRole('button', { name: 'Run' }) as HTMLButtonElement;

    typeInto(editor, '{"execution": {"id": "exe_1"}, "error": "boom"}');
    expect(within(dialog).getByTestId('failure-sample-shape').textContent).toContain('"failedStep" is missing');
    expect(run.disabled).toBe(true);
    typeInto(editor, '{"execution": {"id": "exe_1"},');
    expect(run.disabled, 'invalid JSON runs nothing').toBe(true);
    typeInto(editor, '{"execution": {"id": "exe_1"}, "failedStep": null, "error": "boom"}');
    expect(within(dialog).queryByTestId('failure-sample-shape')).toBeNull();
    expect(run.disabled).toBe(false);

    fireEvent.click(within(dialog).getByRole('radio', { name: /Draft/ }));
    await pressRun(dialog);
    expect(platform.calls.find((c) => c.op === 'runFlow')?.args).toEqual({
      flow: 'flw_alert',
      draft: true,
      input: { execution: { id: 'exe_1' }, failedStep: null, error: 'boom' },
      askFirst: true,
    });
    expect(useToasts.getState().toasts.at(-1)!.message).toMatch(/^Draft run with a sample failure succeeded/);
  });

  it("keeps the form open with the core's refusal of the input", async () => {
    renderDesigner(
      'flw_alert',
      {},
      {
        runFlow: () => {
          throw { code: 'invalid_input', message: 'the input is larger than 10 MiB' };
        },
      },
    );
    const { dialog } = await openSample();
    await pressRun(dialog);
    expect(within(dialog).getByTestId('failure-run-error').textContent).toContain('the input is larger than 10 MiB');
    expect(screen.getByTestId('failure-run-dialog')).toBeTruthy();
  });
});
