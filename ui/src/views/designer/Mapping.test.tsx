import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { EditorView } from '@codemirror/view';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { createApi } from '../../api';
import type { ApiError } from '../../bindings/ApiError';
import type { FieldPreview } from '../../bindings/FieldPreview';
import type { FlowDocument } from '../../bindings/FlowDocument';
import type { FlowRecord } from '../../bindings/FlowRecord';
import type { HookInfo } from '../../bindings/HookInfo';
import type { Input } from '../../bindings/Input';
import type { Sample } from '../../bindings/Sample';
import type { StepPreview } from '../../bindings/StepPreview';
import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import { catalogOf } from '../../editor/convert';
import { useEditor } from '../../editor/store';
import { ApiProvider } from '../../lib/apiContext';
import { builtInComponents, httpRequest as http, webhook } from '../../test/components';
import { stubPlatform, type Answers, type CallArgs } from '../../test/stubPlatform';
import { MappingEditor } from './MappingEditor';
import { StepPanel } from './StepPanel';

const doc: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_pets',
  name: 'Pets',
  steps: [
    {
      id: 'stp_hook',
      component: 'webhook',
      name: 'Webhook',
      config: { slug: 'pets' },
      sample: { body: { petname: 'Gromit', petstatus: 'Sold' } },
    },
    {
      id: 'stp_lookup',
      component: 'transform',
      name: 'Lookup',
      inputs: { value: { expr: '$trigger.body' } },
      sample: { id: 7 },
    },
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

// What the core answers once `doc` is saved: the draft without its samples,
// which it keeps apart, one per step, each the current one.
function stored(flow: FlowDocument): FlowRecord {
  return {
    id: 'flw_pets',
    name: 'Pets',
    description: '',
    slug: 'pets',
    liveSlug: null,
    live: false,
    latestVersion: null,
    draftChanged: true,
    lastExecution: null,
    createdAt: '2026-12-03T09:51:09.166Z',
    updatedAt: '2026-12-03T09:51:09.166Z',
    draft: { ...flow, steps: flow.steps.map(({ sample: _kept, ...step }) => step) },
  };
}

const gromit: Sample = {
  id: 'smp_gromit',
  flowId: 'flw_pets',
  stepId: 'stp_hook',
  source: 'manual',
  createdAt: '2026-12-03T09:51:09.180Z',
  value: { body: { petname: 'Gromit', petstatus: 'Sold' } },
  current: true,
};

const lookup: Sample = { ...gromit, id: 'smp_lookup', stepId: 'stp_lookup', value: { id: 7 } };

const schemas: Record<string, JsonValue> = {
  stp_hook: {
    type: 'object',
    properties: {
      body: {
        type: 'object',
        properties: { petname: { type: 'string' }, petstatus: { type: 'string' } },
        required: ['petname', 'petstatus'],
      },
    },
    required: ['body'],
  },
  stp_lookup: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] },
};

const method: FieldPreview = {
  field: 'method',
  source: { value: 'POST' },
  value: 'POST',
  valueType: 'string',
  expected: 'string',
  required: false,
  check: 'ok',
};
const url: FieldPreview = {
  field: 'url',
  source: { value: 'http://127.0.0.1:9000/pet' },
  value: 'http://127.0.0.1:9000/pet',
  valueType: 'string',
  expected: 'string',
  required: true,
  check: 'ok',
};
const nameUnset: FieldPreview = {
  field: 'body.name',
  valueType: 'missing',
  expected: 'string',
  required: true,
  check: 'missing_required',
  message: 'the required input body.name is not set',
};

// The core's previewStep answers for stp_create, by what the draft maps onto it.
const previews: [Record<string, Input>, FieldPreview[]][] = [
  [{ url: { value: 'http://127.0.0.1:9000/pet' }, method: { value: 'POST' } }, [method, url, nameUnset]],
  [
    {
      url: { value: 'http://127.0.0.1:9000/pet' },
      method: { value: 'POST' },
      'body.name': { expr: '$trigger.body.petname' },
    },
    [
      {
        field: 'body.name',
        source: { expr: '$trigger.body.petname' },
        value: 'Gromit',
        valueType: 'string',
        expected: 'string',
        required: true,
        check: 'ok',
      },
      method,
      url,
    ],
  ],
  [
    {
      url: { value: 'http://127.0.0.1:9000/pet' },
      method: { value: 'POST' },
      timeoutMs: { expr: '$steps.stp_lookup.id' },
    },
    [
      method,
      {
        field: 'timeoutMs',
        source: { expr: '$steps.stp_lookup.id' },
        value: 7,
        valueType: 'integer',
        expected: 'integer',
        required: false,
        check: 'ok',
      },
      url,
      nameUnset,
    ],
  ],
  [
    { timeoutMs: { expr: '$trigger.body.petname' }, 'body.name': { expr: '$steps.stp_gone.id' } },
    [
      {
        field: 'body.name',
        source: { expr: '$steps.stp_gone.id' },
        valueType: 'missing',
        expected: 'string',
        required: true,
        check: 'unknown_step',
        message: '$steps.stp_gone reads a step this flow no longer has; map the field again',
      },
      {
        field: 'timeoutMs',
        source: { expr: '$trigger.body.petname' },
        value: 'Gromit',
        valueType: 'string',
        expected: 'integer',
        required: false,
        check: 'type_mismatch',
        message: '"Gromit" is not of type "integer"',
      },
      {
        field: 'url',
        valueType: 'missing',
        expected: 'string',
        required: true,
        check: 'missing_required',
        message: 'the required input url is not set',
      },
    ],
  ],
];

const sortedJson = (inputs: Record<string, Input>) =>
  JSON.stringify(
    Object.keys(inputs)
      .sort()
      .map((k) => [k, inputs[k]]),
  );

function preview({ step, document }: CallArgs): StepPreview {
  const inputs = (document as FlowDocument).steps.find((s) => s.id === step)?.inputs ?? {};
  const found = previews.find(([mapped]) => sortedJson(mapped) === sortedJson(inputs));
  if (!found) throw new Error(`no previewStep answer for the inputs ${sortedJson(inputs)}`);
  return { stepId: step as string, fields: found[1] };
}

function setup(flow: FlowDocument = doc, answers: Answers = {}) {
  const platform = stubPlatform({
    getFlow: () => stored(flow),
    listSamples: ({ step }) => (step === 'stp_hook' ? [gromit] : [lookup]),
    inferSchema: ({ step }) => schemas[step as string]!,
    previewStep: preview,
    listCredentials: () => [],
    ...answers,
  });
  const api = createApi(platform);
  useEditor.getState().load('flw_pets', flow, catalogOf(builtInComponents));
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrap = (ui: React.ReactNode) => (
    <QueryClientProvider client={client}>
      <ApiProvider api={api}>{ui}</ApiProvider>
    </QueryClientProvider>
  );
  return { platform, wrap };
}

const inputs = (id: string) =>
  useEditor
    .getState()
    .document()
    .steps.find((s) => s.id === id)!.inputs!;

describe('mapping editor', () => {
  it('shows earlier steps as a tree and writes the picked source into the focused target', async () => {
    const { wrap } = setup();
    render(wrap(<MappingEditor flowId="flw_pets" stepId="stp_create" component={http} onClose={() => undefined} />));
    const editor = await screen.findByTestId('mapping-editor');
    const petname = await within(editor).findByRole('button', { name: /^petname, string/ });
    expect(petname.getAttribute('data-path')).toBe('$trigger.body.petname');
    expect(
      editor.querySelector('[data-path="$steps.stp_lookup.id"]'),
      'a later step is shown by name, mapped by id',
    ).toBeTruthy();
    const target = editor.querySelector<HTMLElement>('[data-testid="target-field"][data-field="body.name"]')!;
    fireEvent.focus(within(target).getByRole('textbox'));
    fireEvent.click(petname);
    expect(inputs('stp_create')['body.name']).toEqual({ expr: '$trigger.body.petname' });
    expect(
      target.querySelector('[data-field-input="body.name"]')!.textContent,
      'the editor shows the picked expression',
    ).toBe('$trigger.body.petname');
    const value = await within(target).findByTestId('preview-value', {}, { timeout: 2000 });
    expect(value.textContent).toContain('"Gromit"');
  });

  it('writes the dragged source onto the target it is dropped on', async () => {
    const { wrap } = setup();
    render(wrap(<MappingEditor flowId="flw_pets" stepId="stp_create" component={http} onClose={() => undefined} />));
    const editor = await screen.findByTestId('mapping-editor');
    const source = await waitFor(() => {
      const el = editor.querySelector<HTMLElement>('[data-path="$steps.stp_lookup.id"]');
      if (!el) throw new Error('no source yet');
      return el;
    });
    const data = new Map<string, string>();
    const dataTransfer = {
      setData: (k: string, v: string) => data.set(k, v),
      getData: (k: string) => data.get(k) ?? '',
      get types() {
        return [...data.keys()];
      },
      effectAllowed: '',
      dropEffect: '',
    };
    fireEvent.dragStart(source, { dataTransfer });
    const target = editor.querySelector<HTMLElement>('[data-testid="target-field"][data-field="timeoutMs"]')!;
    fireEvent.dragOver(target, { dataTransfer });
    fireEvent.drop(target, { dataTransfer });
    expect(inputs('stp_create').timeoutMs).toEqual({ expr: '$steps.stp_lookup.id' });
  });

  it('flags type mismatches, missing required fields and unknown steps with their messages', async () => {
    const { wrap } = setup();
    useEditor.getState().updateStep('stp_create', (s) => ({
      ...s,
      inputs: { timeoutMs: { expr: '$trigger.body.petname' }, 'body.name': { expr: '$steps.stp_gone.id' } },
    }));
    render(wrap(<MappingEditor flowId="flw_pets" stepId="stp_create" component={http} onClose={() => undefined} />));
    const editor = await screen.findByTestId('mapping-editor');
    const flag = async (field: string) =>
      within(editor.querySelector<HTMLElement>(`[data-testid="target-field"][data-field="${field}"]`)!).findByTestId(
        'preview-flag',
        {},
        { timeout: 2000 },
      );
    expect((await flag('timeoutMs')).getAttribute('data-check')).toBe('type_mismatch');
    expect((await flag('url')).getAttribute('data-check')).toBe('missing_required');
    expect((await flag('body.name')).textContent).toMatch(/Unknown step.*stp_gone/);
  });
});

describe('trigger samples', () => {
  it('adds a sample typed in the JSON editor, showing parse errors with line and column', async () => {
    // The core keeps a typed webhook sample as the whole request that carries it.
    const wallace: Sample = {
      ...gromit,
      id: 'smp_wallace',
      createdAt: '2026-12-03T09:51:25.289Z',
      value: {
        body: { petname: 'Wallace' },
        method: 'POST',
        path: '/hook/pets',
        headers: { 'content-type': 'application/json' },
        query: {},
      },
    };
    let samples = [gromit];
    const { wrap, platform } = setup(doc, {
      listSamples: () => samples,
      addSample: () => {
        samples = [wallace, { ...gromit, current: false }];
        return wallace;
      },
    });
    render(wrap(<StepPanel stepId="stp_hook" component={webhook} />));
    const section = await screen.findByTestId('samples-section');
    await within(section).findByTestId('sample-row');
    fireEvent.click(within(section).getByRole('button', { name: /Add sample/ }));
    const editor = within(section).getByTestId('sample-editor');
    const view = EditorView.findFromDOM(editor.querySelector<HTMLElement>('.cm-editor')!)!;
    act(() => view.dispatch({ changes: { from: 0, insert: '{\n  "body": {"petname": }\n}' } }));
    expect(within(section).getByTestId('sample-editor-error').textContent).toMatch(/line 2, column \d+/);
    act(() =>
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: '{"body": {"petname": "Wallace"}}' } }),
    );
    expect(within(section).queryByTestId('sample-editor-error')).toBeNull();
    await act(async () => fireEvent.click(within(section).getByRole('button', { name: 'Save sample' })));
    await waitFor(() => expect(within(section).getAllByTestId('sample-row')).toHaveLength(2));
    expect(platform.calls.find((c) => c.op === 'addSample')!.args, 'the typed JSON goes to the core as typed').toEqual({
      flow: 'flw_pets',
      step: 'stp_hook',
      value: { body: { petname: 'Wallace' } },
      source: 'manual',
    });
    await waitFor(() =>
      expect(useEditor.getState().document().steps[0]!.sample, 'the draft mirrors the current sample').toEqual(
        wallace.value,
      ),
    );
    expect(useEditor.getState().dirty, 'a stored sample is not an unsaved edit').toBe(false);
  });

  it('waits for a sample request with a countdown and cancels it', async () => {
    const hook: HookInfo = {
      flowId: 'flw_pets',
      live: false,
      methods: ['POST'],
      url: 'http://127.0.0.1:8787/hook/pets',
      testUrl: 'http://127.0.0.1:8787/hook-test/pets',
      curl: `curl -i -X 'POST' 'http://127.0.0.1:8787/hook/pets' -H 'Content-Type: application/json' --data '{"petname":"Gromit","petstatus":"Sold"}'`,
      testCurl: `curl -i -X 'POST' 'http://127.0.0.1:8787/hook-test/pets' -H 'Content-Type: application/json' --data '{"petname":"Gromit","petstatus":"Sold"}'`,
      guardedBy: null,
      signature: null,
      // The sample section reads only the test URL and its command.
      routes: [],
    };
    // The core holds the capture open until a request arrives or it is cancelled.
    let stopWaiting: ((error: ApiError) => void) | null = null;
    const { wrap, platform } = setup(doc, {
      hooks: () => hook,
      captureSample: () => new Promise<Sample>((_, reject) => (stopWaiting = reject)),
      cancelCapture: () => {
        const waiting = stopWaiting !== null;
        stopWaiting?.({ code: 'cancelled', message: 'stopped waiting for a test request' });
        stopWaiting = null;
        return waiting;
      },
    });
    render(wrap(<StepPanel stepId="stp_hook" component={webhook} />));
    const section = await screen.findByTestId('samples-section');
    fireEvent.click(await within(section).findByRole('button', { name: 'Send sample request' }));
    expect(within(section).getByTestId('capture-countdown').textContent).toMatch(/2:00|1:59/);
    expect((await within(section).findByTestId('capture-url')).textContent).toContain('/hook-test/pets');
    await act(async () => fireEvent.click(within(section).getByRole('button', { name: 'Cancel' })));
    expect(within(section).queryByTestId('capture-countdown')).toBeNull();
    expect(platform.calls.find((c) => c.op === 'cancelCapture')?.args, 'the core stopped waiting').toEqual({
      flow: 'flw_pets',
    });
    expect(stopWaiting).toBeNull();
  });
});

describe('action samples and example body fields', () => {
  it('asks before running a POST and can keep its stored output instead', async () => {
    // An earlier execution ran the step; the core keeps that output when asked to.
    const kept: Sample = {
      id: 'smp_kept',
      flowId: 'flw_pets',
      stepId: 'stp_create',
      source: 'execution',
      createdAt: '2026-12-03T09:52:32.942Z',
      value: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: { name: 'Gromit', status: 'available', id: 1 },
      },
      current: true,
    };
    const { wrap } = setup(doc, {
      retrieveSample: ({ confirm, useStored }) => {
        if (useStored === true) return kept;
        if (confirm === false) {
          throw {
            code: 'confirmation_required',
            message:
              'running stp_create (Create pet) for a sample would send a POST request to http://127.0.0.1:9000/pet: confirm to run it, or use the output of an earlier execution',
          } satisfies ApiError;
        }
        throw new Error('this test never runs the POST');
      },
    });
    render(wrap(<StepPanel stepId="stp_create" component={http} />));
    const retrieve = await screen.findByRole('button', { name: 'Retrieve sample' });
    await waitFor(() => expect((retrieve as HTMLButtonElement).disabled).toBe(false));
    await act(async () => fireEvent.click(retrieve));
    const dialog = await screen.findByTestId('retrieve-confirm');
    expect(dialog.textContent, 'the core says what would happen').toContain(
      'send a POST request to http://127.0.0.1:9000/pet',
    );
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Use stored output' })));
    await waitFor(() => expect(useEditor.getState().document().steps[2]!.sample).toEqual(kept.value));
  });

  it('runs a GET for its sample without asking', async () => {
    const get = structuredClone(doc);
    get.steps[2]!.inputs!.method = { value: 'GET' };
    // Mapped, as the core refuses to run the step while its required body.name maps to nothing.
    get.steps[2]!.inputs!['body.name'] = { expr: '$trigger.body.petname' };
    // What the core answered after calling the demo pet store (hookline demo petstore).
    const ran: Sample = {
      id: 'smp_ran',
      flowId: 'flw_pets',
      stepId: 'stp_create',
      source: 'execution',
      createdAt: '2026-12-03T09:52:28.504Z',
      value: {
        status: 200,
        headers: { 'content-type': 'application/json', 'content-length': '2', date: 'Thu, 03 Dec 2026 09:52:28 GMT' },
        body: [],
      },
      current: true,
    };
    const { wrap } = setup(get, {
      retrieveSample: ({ confirm }) => {
        if (confirm !== false) throw new Error('a GET needs no confirmation');
        return ran;
      },
    });
    render(wrap(<StepPanel stepId="stp_create" component={http} />));
    const retrieve = await screen.findByRole('button', { name: 'Retrieve sample' });
    await waitFor(() => expect((retrieve as HTMLButtonElement).disabled).toBe(false));
    await act(async () => fireEvent.click(retrieve));
    await waitFor(() => expect(useEditor.getState().document().steps[2]!.sample).toMatchObject({ status: 200 }));
    expect(screen.queryByTestId('retrieve-confirm')).toBeNull();
  });

  it('declares one typed body field per top-level key of a pasted example', async () => {
    const { wrap } = setup();
    render(wrap(<StepPanel stepId="stp_create" component={http} />));
    fireEvent.click(screen.getByRole('button', { name: 'From example JSON: Body fields' }));
    const dialog = await screen.findByTestId('from-example');
    const view = EditorView.findFromDOM(dialog.querySelector<HTMLElement>('.cm-editor')!)!;
    act(() =>
      view.dispatch({
        changes: { from: 0, insert: '{"name": "doggie", "status": "available", "photoUrls": [], "age": 3}' },
      }),
    );
    expect(within(dialog).getByTestId('example-keys').textContent).toBe(
      'Adds body.status (string), body.photoUrls (array), body.age (integer)',
    );
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
