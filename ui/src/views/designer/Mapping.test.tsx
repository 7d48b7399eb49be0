import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { EditorView } from '@codemirror/view';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { createApi } from '../../api';
import type { FlowDocument } from '../../bindings/FlowDocument';
import { catalogOf } from '../../editor/convert';
import { useEditor } from '../../editor/store';
import { ApiProvider } from '../../lib/apiContext';
import { createFakePlatform } from '../../platform/fake';
import { fakeComponents } from '../../platform/fakeCatalog';
import { MappingEditor } from './MappingEditor';
import { StepPanel } from './StepPanel';

const doc: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_pets',
  name: 'Pets',
  steps: [
    { id: 'stp_hook', component: 'webhook', name: 'Webhook', config: { slug: 'pets' }, sample: { body: { petname: 'Gromit', petstatus: 'Sold' } } },
    { id: 'stp_lookup', component: 'transform', name: 'Lookup', inputs: { value: { expr: '$trigger.body' } }, sample: { id: 7 } },
    {
      id: 'stp_create',
      component: 'http_request',
      name: 'Create pet',
      fields: [{ field: 'body.name', type: 'string', required: true }],
      inputs: { url: { value: 'http://127.0.0.1:9000/pet' }, method: { value: 'POST' } },
    },
  ],
  edges: [
    { from: 'stp_hook', to: 'stp_lookup' },
    { from: 'stp_lookup', to: 'stp_create' },
  ],
};

async function setup(flow: FlowDocument = doc) {
  const platform = createFakePlatform();
  const api = createApi(platform);
  await api.saveDraft(flow);
  useEditor.getState().load('flw_pets', flow, catalogOf(fakeComponents));
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrap = (ui: React.ReactNode) => (
    <QueryClientProvider client={client}>
      <ApiProvider api={api}>{ui}</ApiProvider>
    </QueryClientProvider>
  );
  return { platform, api, wrap };
}

const inputs = (id: string) => useEditor.getState().document().steps.find((s) => s.id === id)!.inputs!;
const http = fakeComponents.find((c) => c.id === 'http_request')!;

describe('mapping editor', () => {
  it('shows earlier steps as a tree and writes the picked source into the focused target', async () => {
    const { wrap } = await setup();
    render(wrap(<MappingEditor flowId="flw_pets" stepId="stp_create" component={http} onClose={() => undefined} />));
    const editor = await screen.findByTestId('mapping-editor');
    const petname = await within(editor).findByRole('button', { name: /^petname, string/ });
    expect(petname.getAttribute('data-path')).toBe('$trigger.body.petname');
    expect(editor.querySelector('[data-path="$steps.stp_lookup.id"]'), 'a later step is shown by name, mapped by id').toBeTruthy();
    const target = editor.querySelector<HTMLElement>('[data-testid="target-field"][data-field="body.name"]')!;
    fireEvent.focus(within(target).getByRole('textbox'));
    fireEvent.click(petname);
    expect(inputs('stp_create')['body.name']).toEqual({ expr: '$trigger.body.petname' });
    expect(target.querySelector('[data-field-input="body.name"]')!.textContent, 'the editor shows the picked expression').toBe('$trigger.body.petname');
    const value = await within(target).findByTestId('preview-value', {}, { timeout: 2000 });
    expect(value.textContent).toContain('"Gromit"');
  });

  it('writes the dragged source onto the target it is dropped on', async () => {
    const { wrap } = await setup();
    render(wrap(<MappingEditor flowId="flw_pets" stepId="stp_create" component={http} onClose={() => undefined} />));
    const editor = await screen.findByTestId('mapping-editor');
    const source = await waitFor(() => {
      const el = editor.querySelector<HTMLElement>('[data-path="$steps.stp_lookup.id"]');
      if (!el) throw new Error('no source yet');
      return el;
    });
    const data = new Map<string, string>();
    const dataTransfer = { setData: (k: string, v: string) => data.set(k, v), getData: (k: string) => data.get(k) ?? '', get types() { return [...data.keys()]; }, effectAllowed: '', dropEffect: '' };
    fireEvent.dragStart(source, { dataTransfer });
    const target = editor.querySelector<HTMLElement>('[data-testid="target-field"][data-field="timeoutMs"]')!;
    fireEvent.dragOver(target, { dataTransfer });
    fireEvent.drop(target, { dataTransfer });
    expect(inputs('stp_create').timeoutMs).toEqual({ expr: '$steps.stp_lookup.id' });
  });

  it('flags type mismatches, missing required fields and unknown steps with their messages', async () => {
    const { wrap } = await setup();
    useEditor.getState().updateStep('stp_create', (s) => ({ ...s, inputs: { timeoutMs: { expr: '$trigger.body.petname' }, 'body.name': { expr: '$steps.stp_gone.id' } } }));
    render(wrap(<MappingEditor flowId="flw_pets" stepId="stp_create" component={http} onClose={() => undefined} />));
    const editor = await screen.findByTestId('mapping-editor');
    const flag = async (field: string) =>
      within(editor.querySelector<HTMLElement>(`[data-testid="target-field"][data-field="${field}"]`)!).findByTestId('preview-flag', {}, { timeout: 2000 });
    expect((await flag('timeoutMs')).getAttribute('data-check')).toBe('type_mismatch');
    expect((await flag('url')).getAttribute('data-check')).toBe('missing_required');
    expect((await flag('body.name')).textContent).toMatch(/Unknown step.*stp_gone/);
  });
});

describe('trigger samples', () => {
  it('adds a sample typed in the JSON editor, showing parse errors with line and column', async () => {
    const { wrap, api } = await setup();
    render(wrap(<StepPanel stepId="stp_hook" component={fakeComponents.find((c) => c.id === 'webhook')} />));
    const section = await screen.findByTestId('samples-section');
    await within(section).findByTestId('sample-row');
    fireEvent.click(within(section).getByRole('button', { name: /Add sample/ }));
    const editor = within(section).getByTestId('sample-editor');
    const view = EditorView.findFromDOM(editor.querySelector<HTMLElement>('.cm-editor')!)!;
    act(() => view.dispatch({ changes: { from: 0, insert: '{\n  "body": {"petname": }\n}' } }));
    expect(within(section).getByTestId('sample-editor-error').textContent).toMatch(/line 2, column \d+/);
    act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: '{"body": {"petname": "Wallace"}}' } }));
    expect(within(section).queryByTestId('sample-editor-error')).toBeNull();
    await act(async () => fireEvent.click(within(section).getByRole('button', { name: 'Save sample' })));
    await waitFor(() => expect(within(section).getAllByTestId('sample-row')).toHaveLength(2));
    expect((await api.listSamples('flw_pets', 'stp_hook'))[0]!.value).toEqual({ body: { petname: 'Wallace' } });
    await waitFor(() => expect(useEditor.getState().document().steps[0]!.sample, 'the draft mirrors the current sample').toEqual({ body: { petname: 'Wallace' } }));
    expect(useEditor.getState().dirty, 'a stored sample is not an unsaved edit').toBe(false);
  });

  it('waits for a sample request with a countdown and cancels it', async () => {
    const { wrap, platform } = await setup();
    render(wrap(<StepPanel stepId="stp_hook" component={fakeComponents.find((c) => c.id === 'webhook')} />));
    const section = await screen.findByTestId('samples-section');
    fireEvent.click(await within(section).findByRole('button', { name: 'Send sample request' }));
    expect(within(section).getByTestId('capture-countdown').textContent).toMatch(/2:00|1:59/);
    expect((await within(section).findByTestId('capture-url')).textContent).toContain('/hook-test/pets');
    await act(async () => fireEvent.click(within(section).getByRole('button', { name: 'Cancel' })));
    expect(within(section).queryByTestId('capture-countdown')).toBeNull();
    expect(platform.deliverCapture('pets', {}), 'the core stopped waiting').toBe(false);
  });
});

describe('action samples and example body fields', () => {
  it('asks before running a POST and can keep its stored output instead', async () => {
    const { wrap } = await setup();
    render(wrap(<StepPanel stepId="stp_create" component={http} />));
    const retrieve = await screen.findByRole('button', { name: 'Retrieve sample' });
    await waitFor(() => expect((retrieve as HTMLButtonElement).disabled).toBe(false));
    await act(async () => fireEvent.click(retrieve));
    const dialog = await screen.findByTestId('retrieve-confirm');
    expect(dialog.textContent, 'the core says what would happen').toContain('send a POST request to http://127.0.0.1:9000/pet');
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Use stored output' })));
    await waitFor(() => expect(useEditor.getState().document().steps[2]!.sample).toEqual(http.exampleOutput));
  });

  it('runs a GET for its sample without asking', async () => {
    const get = structuredClone(doc);
    get.steps[2]!.inputs!.method = { value: 'GET' };
    const { wrap } = await setup(get);
    render(wrap(<StepPanel stepId="stp_create" component={http} />));
    const retrieve = await screen.findByRole('button', { name: 'Retrieve sample' });
    await waitFor(() => expect((retrieve as HTMLButtonElement).disabled).toBe(false));
    await act(async () => fireEvent.click(retrieve));
    await waitFor(() => expect(useEditor.getState().document().steps[2]!.sample).toMatchObject({ status: 200 }));
    expect(screen.queryByTestId('retrieve-confirm')).toBeNull();
  });

  it('declares one typed body field per top-level key of a pasted example', async () => {
    const { wrap } = await setup();
    render(wrap(<StepPanel stepId="stp_create" component={http} />));
    fireEvent.click(screen.getByRole('button', { name: 'From example JSON: Body fields' }));
    const dialog = await screen.findByTestId('from-example');
    const view = EditorView.findFromDOM(dialog.querySelector<HTMLElement>('.cm-editor')!)!;
    act(() => view.dispatch({ changes: { from: 0, insert: '{"name": "doggie", "status": "available", "photoUrls": [], "age": 3}' } }));
    expect(within(dialog).getByTestId('example-keys').textContent).toBe('Adds body.status (string), body.photoUrls (array), body.age (integer)');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add 3 fields' }));
    expect(useEditor.getState().document().steps[2]!.fields).toEqual([
      { field: 'body.name', type: 'string', required: true },
      { field: 'body.status', type: 'string' },
      { field: 'body.photoUrls', type: 'array' },
      { field: 'body.age', type: 'integer' },
    ]);
    expect(Object.keys(inputs('stp_create')), 'declaring maps nothing yet').toEqual(['url', 'method']);
  });
});
