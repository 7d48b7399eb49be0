import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { createApi } from '../../api';
import type { ApiError } from '../../bindings/ApiError';
import type { FlowDocument } from '../../bindings/FlowDocument';
import { catalogOf } from '../../editor/convert';
import { ApiProvider } from '../../lib/apiContext';
import { builtInComponents } from '../../test/components';
import { stubPlatform, type Answers } from '../../test/stubPlatform';
import { RunDialog, type RunChoice, type RunResult } from './RunDialog';

const catalog = catalogOf(builtInComponents);

/** A Manual trigger asking for copies and who, and a flow parameter a run may set. */
const draft: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_print',
  name: 'Print',
  parameters: [
    { name: 'region', type: 'string', default: 'EU', overridable: true, description: 'where to print' },
    { name: 'limit', type: 'integer', default: 10, overridable: false },
  ],
  steps: [
    {
      id: 'stp_run',
      component: 'manual',
      name: 'Run',
      config: {
        parameters: [
          { name: 'copies', type: 'integer', default: 1 },
          { name: 'who', type: 'string', required: true },
          { name: 'options', type: 'object' },
          { name: 'duplex', type: 'boolean' },
        ],
      },
    },
  ],
  edges: [],
};

function renderDialog(
  onRun: (choice: RunChoice) => Promise<RunResult>,
  props: { publishedVersion?: number | null; defaultDraft?: boolean } = {},
  answers: Answers = {},
) {
  const platform = stubPlatform(answers);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const onClose = vi.fn();
  render(
    <QueryClientProvider client={client}>
      <ApiProvider api={createApi(platform)}>
        <RunDialog
          flowId="flw_print"
          draft={draft}
          catalog={catalog}
          publishedVersion={props.publishedVersion ?? null}
          defaultDraft={props.defaultDraft ?? true}
          saveFirst={false}
          onRun={onRun}
          onClose={onClose}
        />
      </ApiProvider>
    </QueryClientProvider>,
  );
  return { platform, onClose };
}

const input = (name: RegExp) => screen.getByLabelText(name) as HTMLInputElement;
const errorOf = (control: HTMLElement) => control.closest('.form-field')!.querySelector('.field-error')?.textContent;

async function pressRun() {
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Run' }));
  });
}

describe('the Run form', () => {
  it('shows typed inputs with their defaults and required marks', () => {
    renderDialog(async () => 'done');
    expect(input(/^copies/).value, 'the default is filled in').toBe('1');
    expect(input(/^copies/).inputMode, 'an integer field asks for digits').toBe('numeric');
    expect(input(/^who/).value).toBe('');
    expect(document.querySelector('label[for$="who"]')!.textContent, 'who is marked required').toContain('(required)');
    expect(screen.getByRole('checkbox', { name: 'duplex' })).toHaveProperty('checked', false);
    expect(input(/^options/).tagName, 'an object is typed as JSON').toBe('TEXTAREA');
    const parameters = screen.getByRole('region', { name: 'Flow parameters' });
    expect((within(parameters).getByLabelText(/^region/) as HTMLInputElement).value).toBe('EU');
    expect(parameters.textContent, 'its description is shown').toContain('where to print');
    expect(screen.queryByLabelText(/^limit/), 'a parameter a run may not set is not offered').toBeNull();
    expect(screen.getByRole('radio', { name: /Published version/ })).toHaveProperty('disabled', true);
    expect(screen.getByRole('radio', { name: /Draft/ })).toHaveProperty('checked', true);
  });

  it('says what is wrong before anything runs, and runs the values once they are right', async () => {
    const onRun = vi.fn<(choice: RunChoice) => Promise<RunResult>>(async () => 'done');
    renderDialog(onRun);
    fireEvent.change(input(/^copies/), { target: { value: 'many' } });
    expect(errorOf(input(/^copies/)), 'a number is asked for as it is typed').toBe('Enter a number');
    fireEvent.change(input(/^options/), { target: { value: '{"paper": ' } });
    expect(errorOf(input(/^options/))).toMatch(/^Invalid JSON/);

    await pressRun();
    expect(onRun, 'nothing runs while a field is wrong').not.toHaveBeenCalled();
    expect(errorOf(input(/^who/)), 'the empty required field says so once Run is pressed').toContain(
      'Required: enter a value',
    );
    expect(document.activeElement, 'the first field to fix has the focus').toBe(input(/^copies/));

    fireEvent.change(input(/^copies/), { target: { value: '2.5' } });
    expect(errorOf(input(/^copies/))).toBe('Enter a whole number');
    fireEvent.change(input(/^copies/), { target: { value: '3' } });
    fireEvent.change(input(/^options/), { target: { value: '{"paper": "A4"}' } });
    fireEvent.change(input(/^who/), { target: { value: 'Ada' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'duplex' }));
    fireEvent.change(input(/^region/), { target: { value: 'NA' } });
    await pressRun();
    expect(onRun).toHaveBeenCalledTimes(1);
    expect(onRun.mock.calls[0]![0]).toEqual({
      draft: true,
      params: { copies: 3, who: 'Ada', options: { paper: 'A4' }, duplex: true, region: 'NA' },
    });
  });

  it("shows the core's refusal on the field it names, until that field changes", async () => {
    // What the core answers when a value does not fit what the version it runs declares.
    const refusal: ApiError = {
      code: 'invalid_parameter',
      message: 'parameter "region" must be an integer, not the text "NA"',
    };
    const onRun = vi.fn(async (): Promise<RunResult> => refusal);
    renderDialog(onRun);
    fireEvent.change(input(/^who/), { target: { value: 'Ada' } });
    fireEvent.change(input(/^region/), { target: { value: 'NA' } });
    await pressRun();
    expect(errorOf(input(/^region/))).toContain('parameter "region" must be an integer, not the text "NA"');
    expect(document.activeElement).toBe(input(/^region/));
    expect(screen.getByTestId('run-dialog'), 'the form stays open to fix it').toBeTruthy();
    fireEvent.change(input(/^region/), { target: { value: 'AS' } });
    expect(errorOf(input(/^region/))).toBeUndefined();

    onRun.mockResolvedValueOnce({ code: 'unknown_parameter', message: 'the flow has no parameter "cuont"' });
    await pressRun();
    expect(screen.getByRole('alert').textContent, 'a refusal naming no field is shown under the form').toContain(
      'the flow has no parameter "cuont"',
    );
  });

  it('asks what the published version takes when that is what runs', async () => {
    // v2 as the core keeps it: its form had only copies, as text.
    const v2: FlowDocument = {
      ...draft,
      parameters: [],
      steps: [{ ...draft.steps[0]!, config: { parameters: [{ name: 'copies', type: 'string', default: 'one' }] } }],
    };
    const onRun = vi.fn<(choice: RunChoice) => Promise<RunResult>>(async () => 'done');
    const { platform } = renderDialog(onRun, { publishedVersion: 2, defaultDraft: false }, { version: () => v2 });
    expect(screen.getByRole('radio', { name: /Published version \(v2\)/ })).toHaveProperty('checked', true);
    expect((await screen.findByLabelText(/^copies/, {}, { timeout: 5000 })) as HTMLInputElement).toHaveProperty(
      'value',
      'one',
    );
    expect(platform.calls.find((c) => c.op === 'version')?.args).toEqual({ flow: 'flw_print', version: 2 });
    expect(screen.queryByLabelText(/^who/), "the draft's new field is not asked for").toBeNull();
    fireEvent.change(input(/^copies/), { target: { value: 'two' } });
    await pressRun();
    expect(onRun.mock.calls[0]![0]).toEqual({ draft: false, params: { copies: 'two' } });

    fireEvent.click(screen.getByRole('radio', { name: /Draft/ }));
    expect(input(/^who/), "the draft's fields once the draft is chosen").toBeTruthy();
  });

  it('closes on Cancel without running', () => {
    const onRun = vi.fn(async (): Promise<RunResult> => 'done');
    const { onClose } = renderDialog(onRun);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalled();
    expect(onRun).not.toHaveBeenCalled();
  });
});
