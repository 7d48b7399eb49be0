import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { createApi } from '../../api';
import type { FlowDocument } from '../../bindings/FlowDocument';
import type { FlowRecord } from '../../bindings/FlowRecord';
import type { FlowSummary } from '../../bindings/FlowSummary';
import { catalogOf } from '../../editor/convert';
import { useEditor } from '../../editor/store';
import { ApiProvider } from '../../lib/apiContext';
import { builtInComponents } from '../../test/components';
import { stubPlatform, type Answers } from '../../test/stubPlatform';
import { ParametersDialog } from './ParametersDialog';

const saved: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_orders',
  name: 'Orders',
  parameters: [{ name: 'limit', type: 'integer', default: 100, overridable: true }],
  steps: [{ id: 'stp_run', component: 'manual', name: 'Run', config: {} }],
  edges: [],
};

const editor = () => useEditor.getState();
const parameters = () => editor().document().parameters;
const rows = () => screen.getAllByTestId('parameter-row');
const row = (i: number) => within(rows()[i]!);

const summary = (id: string, name: string, extra: Partial<FlowSummary> = {}): FlowSummary => ({
  id,
  name,
  description: '',
  slug: null,
  liveSlug: null,
  live: false,
  latestVersion: 1,
  draftChanged: false,
  lastExecution: null,
  createdAt: '2026-12-03T09:52:43.298Z',
  updatedAt: '2026-12-03T09:52:43.298Z',
  ...extra,
});

/** The flows the handler may be chosen from: this one, two with a Manual trigger and a webhook flow. */
const flows: FlowSummary[] = [
  summary('flw_orders', 'Orders'),
  summary('flw_alert', 'Alert on failure'),
  summary('flw_ticket', 'Open a ticket', { latestVersion: null, draftChanged: true }),
  summary('flw_pets', 'Pets', { slug: 'pets', liveSlug: 'pets' }),
];
const drafts: Record<string, FlowDocument> = {
  flw_alert: {
    schemaVersion: 1,
    id: 'flw_alert',
    name: 'Alert on failure',
    steps: [{ id: 'stp_run', component: 'manual', name: 'Run', config: {} }],
    edges: [],
  },
  flw_ticket: {
    schemaVersion: 1,
    id: 'flw_ticket',
    name: 'Open a ticket',
    steps: [{ id: 'stp_run', component: 'manual', name: 'Run', config: {} }],
    edges: [],
  },
  flw_pets: {
    schemaVersion: 1,
    id: 'flw_pets',
    name: 'Pets',
    steps: [{ id: 'stp_hook', component: 'webhook', name: 'Webhook', config: { slug: 'pets' } }],
    edges: [],
  },
};

function renderDialog(doc: FlowDocument = saved, answers: Answers = {}) {
  editor().load('flw_orders', doc, catalogOf(builtInComponents));
  // The error handler is chosen from the flows; a chosen one's draft says what starts it.
  const platform = stubPlatform({
    listFlows: () => flows,
    getFlow: ({ flow }) => {
      const draft = drafts[String(flow)];
      if (!draft) throw { code: 'flow_not_found', message: `no flow ${String(flow)}` };
      const { id, ...rest } = flows.find((f) => f.id === flow)!;
      return { ...rest, id, draft } satisfies FlowRecord;
    },
    ...answers,
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ApiProvider api={createApi(platform)}>
        <ParametersDialog onClose={() => undefined} />
      </ApiProvider>
    </QueryClientProvider>,
  );
  return platform;
}

const handlerSelect = () => screen.getByLabelText('Flow started when a run fails') as HTMLSelectElement;
const optionLabels = () => [...handlerSelect().options].map((o) => o.textContent);

describe('the flow parameters panel', () => {
  beforeEach(() => {
    renderDialog();
  });

  it('shows each parameter with its type, default and marks', () => {
    expect(rows()).toHaveLength(1);
    expect((row(0).getByLabelText('Name') as HTMLInputElement).value).toBe('limit');
    expect((row(0).getByLabelText('Type') as HTMLSelectElement).value).toBe('integer');
    expect((row(0).getByLabelText('Default') as HTMLInputElement).value).toBe('100');
    expect(row(0).getByRole('checkbox', { name: 'Overridable' })).toHaveProperty('checked', true);
    expect(row(0).getByRole('checkbox', { name: 'Required' })).toHaveProperty('checked', false);
  });

  it('adds, types and describes a parameter in the draft, as an edit that marks it unsaved and undoes', () => {
    fireEvent.click(screen.getByRole('button', { name: 'Add parameter' }));
    expect(rows()).toHaveLength(2);
    expect(row(1).getByText('Give the parameter a name'), 'a new parameter asks for its name').toBeTruthy();
    fireEvent.change(row(1).getByLabelText('Name'), { target: { value: 'dryRun' } });
    fireEvent.change(row(1).getByLabelText('Type'), { target: { value: 'boolean' } });
    fireEvent.change(row(1).getByLabelText('Default'), { target: { value: 'true' } });
    fireEvent.click(row(1).getByRole('checkbox', { name: 'Required' }));
    fireEvent.change(row(1).getByLabelText('Description'), { target: { value: 'change nothing' } });
    expect(parameters()).toEqual([
      saved.parameters![0],
      {
        name: 'dryRun',
        type: 'boolean',
        default: true,
        required: true,
        overridable: false,
        description: 'change nothing',
      },
    ]);
    expect(editor().dirty).toBe(true);
    expect(screen.queryByText(/needs a default/), 'a required parameter with a default is fine').toBeNull();

    fireEvent.change(row(1).getByLabelText('Default'), { target: { value: '' } });
    expect(parameters()![1]!.default, 'no default is null, as the core keeps it').toBeNull();
    expect(row(1).getByText(/A required parameter needs a default, or must be overridable/)).toBeTruthy();

    // Each kind of change is its own undo step; the whole addition undoes to the saved draft.
    while (editor().past.length > 0) editor().undo();
    expect(parameters()).toEqual(saved.parameters);
    expect(editor().dirty).toBe(false);
  });

  it('flags names that $params cannot read and names used twice', () => {
    fireEvent.change(row(0).getByLabelText('Name'), { target: { value: 'max-items' } });
    expect(row(0).getByRole('status').textContent).toContain('Use letters, digits and _');
    expect(row(0).getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Add parameter' }));
    fireEvent.change(row(0).getByLabelText('Name'), { target: { value: 'limit' } });
    fireEvent.change(row(1).getByLabelText('Name'), { target: { value: 'limit' } });
    expect(row(0).getByText('limit is declared more than once')).toBeTruthy();
    expect(row(1).getByText('limit is declared more than once')).toBeTruthy();
  });

  it('flags a default that is not of the chosen type', () => {
    fireEvent.change(row(0).getByLabelText('Type'), { target: { value: 'string' } });
    expect(row(0).getByText('the default: expected string, got integer')).toBeTruthy();
    expect(parameters()![0]!.type).toBe('string');
  });

  it('reorders and removes parameters', () => {
    fireEvent.click(screen.getByRole('button', { name: 'Add parameter' }));
    fireEvent.change(row(1).getByLabelText('Name'), { target: { value: 'region' } });
    expect(row(0).getByRole('button', { name: 'Move up' })).toHaveProperty('disabled', true);
    fireEvent.click(row(1).getByRole('button', { name: 'Move up' }));
    expect(parameters()!.map((p) => p.name)).toEqual(['region', 'limit']);
    fireEvent.click(row(0).getByRole('button', { name: 'Remove' }));
    expect(parameters()!.map((p) => p.name)).toEqual(['limit']);
    fireEvent.click(row(0).getByRole('button', { name: 'Remove' }));
    expect(screen.getByTestId('parameters-empty')).toBeTruthy();
    expect('parameters' in JSON.parse(JSON.stringify(editor().document())), 'no parameters is no key').toBe(false);
  });
});

describe('the error handler setting', () => {
  it('offers the other flows, writes the one chosen into the draft, and None removes it', async () => {
    renderDialog();
    await screen.findByRole('option', { name: 'Alert on failure' });
    expect(handlerSelect().value, 'no handler yet').toBe('');
    expect(optionLabels(), 'the other flows, not this one').toEqual([
      'None',
      'Alert on failure',
      'Open a ticket (not published)',
      'Pets',
    ]);
    expect(screen.getByText(/When a run of this flow fails for good/)).toBeTruthy();

    fireEvent.change(handlerSelect(), { target: { value: 'flw_alert' } });
    expect(editor().document().errorHandler).toBe('flw_alert');
    expect(editor().dirty, 'a handler is an edit of the draft').toBe(true);

    fireEvent.change(handlerSelect(), { target: { value: '' } });
    expect('errorHandler' in editor().document(), 'None is no key at all').toBe(false);
    expect(editor().dirty, 'back to the saved draft').toBe(false);
    editor().undo();
    expect(editor().document().errorHandler, 'Ctrl+Z brings it back').toBe('flw_alert');
  });

  it('flags a handler that names no flow, and keeps it shown so it can be cleared', async () => {
    renderDialog({ ...saved, errorHandler: 'flw_gone' });
    const missing = await screen.findByTestId('error-handler-missing');
    expect(missing.textContent).toContain('flw_gone: no such flow');
    expect(handlerSelect().value).toBe('flw_gone');
    expect(handlerSelect().selectedOptions[0]!.textContent).toBe('flw_gone — no such flow');
    expect(handlerSelect().getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(handlerSelect(), { target: { value: '' } });
    expect(screen.queryByTestId('error-handler-missing')).toBeNull();
    expect(editor().document().errorHandler).toBeUndefined();
  });

  it('says when the flow chosen does not start from a Manual trigger, or is not published', async () => {
    renderDialog();
    await screen.findByRole('option', { name: 'Pets' });
    fireEvent.change(handlerSelect(), { target: { value: 'flw_pets' } });
    expect((await screen.findByTestId('error-handler-not-manual')).textContent).toContain(
      'Pets starts from a Webhook trigger, not a Manual one: publishing refuses it.',
    );
    fireEvent.change(handlerSelect(), { target: { value: 'flw_ticket' } });
    expect((await screen.findByTestId('error-handler-unpublished')).textContent).toContain(
      'Open a ticket is not published yet',
    );
    expect(screen.queryByTestId('error-handler-not-manual')).toBeNull();
    expect(screen.queryByTestId('error-handler-missing')).toBeNull();
  });

  it('finds a handler named by slug, as the core does', async () => {
    renderDialog({ ...saved, errorHandler: 'pets' });
    await screen.findByTestId('error-handler-not-manual');
    expect(handlerSelect().selectedOptions[0]!.textContent).toBe('Pets (by slug pets)');
    expect(screen.queryByTestId('error-handler-missing')).toBeNull();
  });
});
