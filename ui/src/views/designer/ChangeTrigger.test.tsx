import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { createApi } from '../../api';
import type { ApiError } from '../../bindings/ApiError';
import type { FlowDocument } from '../../bindings/FlowDocument';
import { catalogOf } from '../../editor/convert';
import { useEditor } from '../../editor/store';
import { ApiProvider } from '../../lib/apiContext';
import { useConfirm } from '../../lib/confirm';
import { builtInComponents } from '../../test/components';
import { stubPlatform } from '../../test/stubPlatform';
import { StepPanel } from './StepPanel';

const doc: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_c',
  name: 'Orders',
  steps: [
    { id: 'stp_hook', component: 'webhook', name: 'Webhook', config: { slug: 'orders' } },
    {
      id: 'stp_call',
      component: 'http_request',
      name: 'Call the shop',
      inputs: { url: { expr: '$trigger.body.x' }, 'body.at': { expr: '$trigger.method' } },
    },
  ],
  edges: [{ from: 'stp_hook', to: 'stp_call' }],
};

// The draft was never saved, so the core does not know the flow.
const notSaved: ApiError = { code: 'flow_not_found', message: 'no flow "flw_c"' };

function renderTrigger() {
  const platform = stubPlatform({
    components: () => builtInComponents,
    getFlow: () => {
      throw notSaved;
    },
    listSamples: () => [],
    listCredentials: () => [],
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ApiProvider api={createApi(platform)}>
        <StepPanel stepId="stp_hook" component={builtInComponents.find((c) => c.id === 'webhook')} />
      </ApiProvider>
    </QueryClientProvider>,
  );
}

async function choose(title: string) {
  fireEvent.click(screen.getByRole('button', { name: 'Change trigger…' }));
  const option = await screen.findByRole('option', { name: new RegExp(title) });
  await act(async () => {
    fireEvent.click(option);
  });
}

const editor = () => useEditor.getState();

beforeEach(() => {
  useEditor.getState().load('flw_c', doc, catalogOf(builtInComponents));
});

describe('changing the trigger', () => {
  it('offers the other triggers only', async () => {
    renderTrigger();
    fireEvent.click(screen.getByRole('button', { name: 'Change trigger…' }));
    const chooser = await screen.findByTestId('component-chooser');
    const options = within(chooser).getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual([
      expect.stringContaining('Custom event'),
      expect.stringContaining('Manual run'),
      expect.stringContaining('Schedule'),
    ]);
  });

  it('warns with the steps and fields a schedule does not produce, and keeps the webhook when refused', async () => {
    renderTrigger();
    await choose('Schedule');
    const request = useConfirm.getState().request;
    expect(request?.title).toBe('Change the trigger to Schedule?');
    expect(request?.message).toContain('Call the shop: url reads $trigger.body.x, body.at reads $trigger.method');
    expect(request?.message, "what the schedule's output has instead").toContain('firedAt, scheduledFor');
    await act(async () => useConfirm.getState().answer(false));
    expect(editor().document().steps[0]!.component, 'refusing keeps the trigger').toBe('webhook');
  });

  it('switches once confirmed, keeping the step id and its edges', async () => {
    renderTrigger();
    await choose('Schedule');
    await act(async () => useConfirm.getState().answer(true));
    const after = editor().document();
    expect(after.steps[0]).toEqual({ id: 'stp_hook', component: 'schedule', name: 'Schedule', config: {} });
    expect(after.edges).toEqual([{ from: 'stp_hook', to: 'stp_call' }]);
    expect(after.steps[1]!.inputs, 'the mappings stay for the user to fix').toEqual(doc.steps[1]!.inputs);
    act(() => editor().undo());
    expect(editor().document().steps[0]!.component, 'the change can be undone').toBe('webhook');
  });

  it('switches without asking when every read field is still produced', async () => {
    useEditor.getState().updateStep('stp_call', (s) => ({ ...s, inputs: { url: { expr: '$steps.stp_x.url' } } }));
    renderTrigger();
    await choose('Manual run');
    expect(useConfirm.getState().request, 'nothing to warn about').toBeNull();
    expect(editor().document().steps[0]).toMatchObject({ id: 'stp_hook', component: 'manual', name: 'Manual run' });
  });
});
