import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { createApi } from '../../api';
import type { ApiError } from '../../bindings/ApiError';
import type { ExpressionCheck } from '../../bindings/ExpressionCheck';
import type { FlowDocument } from '../../bindings/FlowDocument';
import type { StepPreview } from '../../bindings/StepPreview';
import { catalogOf } from '../../editor/convert';
import { useEditor } from '../../editor/store';
import { ApiProvider } from '../../lib/apiContext';
import { builtInComponents } from '../../test/components';
import { stubPlatform, type Answers } from '../../test/stubPlatform';
import { StepPanel } from './StepPanel';

const doc: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_t',
  name: 'T',
  steps: [
    { id: 'stp_hook', component: 'webhook', name: 'Webhook', config: {} },
    { id: 'stp_http', component: 'http_request', name: 'Call', inputs: {} },
  ],
  edges: [{ from: 'stp_hook', to: 'stp_http' }],
};

// The draft in the editor was never saved, so the core does not know the flow.
const notSaved: ApiError = {
  code: 'flow_not_found',
  message: 'no flow "flw_t": give a flow id (flw_…) or a webhook slug',
};

// The core's checkExpression answers for the expressions these tests type.
const checks: Record<string, ExpressionCheck> = {
  '$trigger.body.petname': { ok: true, message: null, position: null },
  '"POST"': { ok: true, message: null, position: null },
  '$trigger.method': { ok: true, message: null, position: null },
  '$join(["a", "b"]': { ok: false, message: 'S0203: Expected RightParen before end of expression', position: 16 },
};

function renderPanel(stepId: string, componentId: string, answers: Answers = {}) {
  const platform = stubPlatform({
    getFlow: () => {
      throw notSaved;
    },
    // The core previews a step only of a flow it has stored.
    previewStep: () => {
      throw notSaved;
    },
    listCredentials: () => [],
    checkExpression: ({ expr }) => {
      const check = checks[expr as string];
      if (!check) throw new Error(`no checkExpression answer for ${String(expr)}`);
      return check;
    },
    ...answers,
  });
  const api = createApi(platform);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return render(
    <QueryClientProvider client={client}>
      <ApiProvider api={api}>
        <StepPanel stepId={stepId} component={builtInComponents.find((c) => c.id === componentId)} />
      </ApiProvider>
    </QueryClientProvider>,
  );
}

const step = (id: string) =>
  useEditor
    .getState()
    .document()
    .steps.find((s) => s.id === id)!;

beforeEach(() => {
  useEditor.getState().load('flw_t', doc, catalogOf(builtInComponents));
});

describe('step panel forms', () => {
  it('writes trigger config from the generated form', () => {
    renderPanel('stp_hook', 'webhook');
    fireEvent.change(screen.getByLabelText('Slug'), { target: { value: 'pets' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'GET' }));
    fireEvent.change(screen.getByLabelText('Reply'), { target: { value: '"sync"' } });
    expect(step('stp_hook').config).toEqual({ slug: 'pets', methods: ['GET', 'POST'], respond: 'sync' });
    expect(screen.queryByRole('button', { name: /Use expression/ })).toBeNull();
  });

  it('marks required inputs and shows defaults', () => {
    renderPanel('stp_http', 'http_request');
    expect(document.querySelector('label[for$="url"]')!.textContent).toContain('(required)');
    expect((screen.getByLabelText('Method') as HTMLSelectElement).options[0]!.text).toBe('Default (GET)');
    expect((screen.getByLabelText(/^Timeout/) as HTMLInputElement).placeholder).toBe('30000');
  });

  it('turns literal and expression fields into {value} and {expr} inputs', async () => {
    renderPanel('stp_http', 'http_request');
    fireEvent.change(screen.getByLabelText(/^URL/), { target: { value: 'http://127.0.0.1:9000/pet' } });
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: '"POST"' } });
    fireEvent.change(screen.getByLabelText(/^Timeout/), { target: { value: '5000' } });
    fireEvent.click(screen.getByRole('checkbox', { name: /Fail on HTTP error/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Add body field' }));
    const name = screen.getByLabelText('New body field name');
    fireEvent.change(name, { target: { value: 'name' } });
    fireEvent.keyDown(name, { key: 'Enter' });
    fireEvent.change(screen.getByLabelText('body.name'), { target: { value: '$trigger.body.petname' } });
    expect(step('stp_http').inputs).toEqual({
      url: { value: 'http://127.0.0.1:9000/pet' },
      method: { value: 'POST' },
      timeoutMs: { value: 5000 },
      failOnHttpError: { value: false },
      'body.name': { expr: '$trigger.body.petname' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Use expression for Method' }));
    expect(step('stp_http').inputs!.method).toEqual({ expr: '"POST"' });
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: '$trigger.method' } });
    expect(step('stp_http').inputs!.method).toEqual({ expr: '$trigger.method' });
    await act(async () => {
      await new Promise((r) => setTimeout(r, 10));
    });
  });

  it('declares body fields with a type and a required mark, and removes them with their mapping', () => {
    renderPanel('stp_http', 'http_request');
    fireEvent.click(screen.getByRole('button', { name: 'Add body field' }));
    fireEvent.change(screen.getByLabelText('New body field name'), { target: { value: 'age' } });
    fireEvent.change(screen.getByLabelText('Type of the new body field'), { target: { value: 'integer' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Required' }));
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect(step('stp_http').fields).toEqual([{ field: 'body.age', type: 'integer', required: true }]);
    expect(document.querySelector('label[for$="body_age"]')!.textContent).toContain('(required)');

    fireEvent.click(screen.getByRole('button', { name: 'Use literal for body.age' }));
    fireEvent.change(screen.getByLabelText('body.age'), { target: { value: 'three' } });
    expect(step('stp_http').inputs!['body.age']).toEqual({ value: 'three' });
    expect(
      screen.getByText(/integer/, { selector: '.field-error' }),
      'a literal is checked against the declared type',
    ).toBeTruthy();

    fireEvent.change(screen.getByLabelText('Type of body.age'), { target: { value: 'string' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'body.age is required' }));
    expect(step('stp_http').fields).toEqual([{ field: 'body.age', type: 'string' }]);
    expect(screen.queryByText(/integer/, { selector: '.field-error' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Remove body.age' }));
    expect(step('stp_http').fields).toBeUndefined();
    expect(step('stp_http').inputs).toEqual({});
  });

  it('shows JSON parse errors inline and keeps the last valid value', () => {
    renderPanel('stp_http', 'http_request');
    const headers = screen.getByLabelText('Headers');
    fireEvent.change(headers, { target: { value: '{"X-Key": "a"}' } });
    expect(step('stp_http').inputs!.headers).toEqual({ value: { 'X-Key': 'a' } });
    fireEvent.change(headers, { target: { value: '{"X-Key": ' } });
    expect(screen.getByText(/Invalid JSON/)).toBeTruthy();
    expect(step('stp_http').inputs!.headers).toEqual({ value: { 'X-Key': 'a' } });
  });

  it('reports the engine syntax check of an expression with its position', async () => {
    renderPanel('stp_http', 'http_request');
    fireEvent.click(screen.getByRole('button', { name: 'Use expression for URL' }));
    fireEvent.change(screen.getByLabelText(/^URL/), { target: { value: '$join(["a", "b"]' } });
    const error = await screen.findByTestId('expression-error', {}, { timeout: 2000 });
    expect(error.textContent, "the core's message").toMatch(/Expected RightParen before end of expression/);
    expect(error.textContent, 'its position counted from 1').toMatch(/at character 17/);
  });

  it('flags a mapped field the core previews as yielding nothing, with the path it meant', async () => {
    useEditor.getState().updateStep('stp_http', (s) => ({
      ...s,
      inputs: { 'body.name': { expr: '$trigger.body.petnmae' } },
      fields: [{ field: 'body.name', type: 'string', required: true }],
    }));
    // What the core answered for this step over the tutorial's sample.
    const preview: StepPreview = {
      stepId: 'stp_http',
      fields: [
        {
          field: 'body.name',
          source: { expr: '$trigger.body.petnmae' },
          valueType: 'missing',
          expected: ['string'],
          required: true,
          check: 'missing_required',
          message: 'the required input body.name maps to nothing for this sample; did you mean $trigger.body.petname?',
        },
        {
          field: 'url',
          valueType: 'missing',
          expected: ['string'],
          required: true,
          check: 'missing_required',
          message: 'the required input url is not set',
        },
      ],
    };
    renderPanel('stp_http', 'http_request', { previewStep: () => preview });
    const flag = await screen.findByTestId('field-flag', {}, { timeout: 5000 });
    expect(flag.dataset.check).toBe('missing_required');
    expect(flag.textContent).toContain('Required: the required input body.name maps to nothing for this sample');
    expect(flag.textContent).toContain('did you mean $trigger.body.petname?');
    expect(flag.closest('[data-key="body.name"]')).not.toBeNull();
    expect(screen.getAllByTestId('field-flag')).toHaveLength(1);
  });

  it('writes a retry policy and continueOnError on an action, and removes them again', () => {
    renderPanel('stp_http', 'http_request');
    const section = screen.getByRole('region', { name: 'When it fails' });
    fireEvent.click(within(section).getByRole('checkbox', { name: 'Retry' }));
    expect(step('stp_http').retry).toEqual({
      maxAttempts: 3,
      backoffMs: 1000,
      maxBackoffMs: 30000,
      on: ['5xx', '429', 'connection', 'timeout'],
    });
    fireEvent.change(within(section).getByLabelText('Attempts in all'), { target: { value: '5' } });
    fireEvent.click(within(section).getByRole('checkbox', { name: /Timeouts/ }));
    fireEvent.click(within(section).getByRole('checkbox', { name: /Other client errors/ }));
    expect(step('stp_http').retry).toEqual({
      maxAttempts: 5,
      backoffMs: 1000,
      maxBackoffMs: 30000,
      on: ['5xx', '429', 'connection', '4xx'],
    });
    fireEvent.click(within(section).getByRole('checkbox', { name: 'Continue the flow' }));
    expect(step('stp_http').continueOnError).toBe(true);
    expect(section.textContent).toContain('$steps.stp_http.error');
    fireEvent.click(within(section).getByRole('checkbox', { name: 'Retry' }));
    fireEvent.click(within(section).getByRole('checkbox', { name: 'Continue the flow' }));
    expect('retry' in step('stp_http')).toBe(false);
    expect('continueOnError' in step('stp_http')).toBe(false);
  });

  it('offers no failure settings on a trigger', () => {
    renderPanel('stp_hook', 'webhook');
    expect(screen.queryByRole('region', { name: 'When it fails' })).toBeNull();
  });
});
