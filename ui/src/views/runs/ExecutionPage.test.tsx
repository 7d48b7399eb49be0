import { QueryClient } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { EditorView } from '@codemirror/view';
import { describe, expect, it } from 'vitest';

import { App } from '../../App';
import { createApi } from '../../api';
import type { Execution } from '../../bindings/Execution';
import type { FlowSummary } from '../../bindings/FlowSummary';
import type { Settings } from '../../bindings/Settings';
import { parseHash, useRouter } from '../../lib/router';
import { stubPlatform, type Answers } from '../../test/stubPlatform';

const settings: Settings = {
  dataDir: '/home/user/.local/share/hookline',
  listenAddress: '127.0.0.1:8787',
  allowedHosts: [],
  eventsCredential: null,
  allowedFolders: [],
  allowedCommands: [],
  listener: { address: '127.0.0.1:8787', running: true, error: null, restartNeeded: false },
};

const pets: FlowSummary = {
  id: 'flw_pets',
  name: 'Pets from webhook',
  description: '',
  slug: 'pets',
  liveSlug: 'pets',
  live: true,
  latestVersion: 2,
  draftChanged: true,
  lastExecution: 'failed',
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:00:00.000Z',
};

/**
 * A hook call whose POST to the pet store failed twice with 503: the
 * trigger output is the request as received, its Authorization masked.
 */
const failedRun: Execution = {
  id: 'exe_orig',
  flowId: 'flw_pets',
  version: 2,
  trigger: 'webhook',
  status: 'failed',
  input: {
    method: 'POST',
    path: '/hook/pets',
    headers: { 'content-type': 'application/json', authorization: '••••••', host: '127.0.0.1:8787' },
    query: { source: 'shop' },
    body: { petname: 'Gromit', petstatus: 'Sold' },
  },
  params: { limit: 5 },
  output: null,
  error: 'POST http://127.0.0.1:9000/pet answered 503 Service Unavailable',
  failedStep: 'stp_create',
  reply: null,
  createdAt: '2026-12-04T10:00:00.000Z',
  startedAt: '2026-12-04T10:00:00.000Z',
  finishedAt: '2026-12-04T10:00:01.000Z',
  durationMs: 1000,
  steps: [
    {
      stepId: 'stp_shape',
      name: 'Shape',
      component: 'transform',
      status: 'succeeded',
      input: { value: { name: 'Gromit', status: 'Sold' } },
      output: { name: 'Gromit', status: 'Sold' },
      error: null,
      startedAt: '2026-12-04T10:00:00.000Z',
      durationMs: 250,
    },
    {
      stepId: 'stp_create',
      name: 'Create pet',
      component: 'http_request',
      status: 'failed',
      input: { method: 'POST', url: 'http://127.0.0.1:9000/pet', body: { name: 'Gromit', status: 'Sold' } },
      output: null,
      error: 'POST http://127.0.0.1:9000/pet answered 503 Service Unavailable',
      startedAt: '2026-12-04T10:00:00.500Z',
      durationMs: 500,
      attempts: [
        {
          startedAt: '2026-12-04T10:00:00.500Z',
          durationMs: 100,
          error: 'POST http://127.0.0.1:9000/pet answered 503 Service Unavailable',
          waitedMs: 200,
        },
        {
          startedAt: '2026-12-04T10:00:00.800Z',
          durationMs: 200,
          error: 'POST http://127.0.0.1:9000/pet answered 503 Service Unavailable',
        },
      ],
    },
  ],
};

/** The replay of it against the draft with Wallace as the pet: the POST went through. */
const replay: Execution = {
  ...failedRun,
  id: 'exe_new',
  version: null,
  status: 'succeeded',
  replayOf: 'exe_orig',
  input: { ...(failedRun.input as object), body: { petname: 'Wallace', petstatus: 'Sold' } },
  error: null,
  failedStep: null,
  output: { status: 201 },
  createdAt: '2026-12-04T11:00:00.000Z',
  startedAt: '2026-12-04T11:00:00.000Z',
  finishedAt: '2026-12-04T11:00:00.400Z',
  durationMs: 400,
  steps: [
    {
      ...failedRun.steps[0]!,
      output: { name: 'Wallace', status: 'Sold', id: 7 },
      startedAt: '2026-12-04T11:00:00.000Z',
    },
    {
      ...failedRun.steps[1]!,
      status: 'succeeded',
      output: { status: 201 },
      error: null,
      attempts: [],
      startedAt: '2026-12-04T11:00:00.250Z',
      durationMs: 150,
    },
  ],
};

const byId: Record<string, Execution> = { exe_orig: failedRun, exe_new: replay };

function renderAt(hash: string, answers: Answers = {}) {
  window.history.replaceState(null, '', `/${hash}`);
  useRouter.setState({ route: parseHash(hash), guard: null });
  const platform = stubPlatform({
    settings: () => settings,
    listFlows: () => [pets],
    getExecution: (args) => {
      const found = byId[String(args.id)];
      if (!found) throw { code: 'execution_not_found', message: `no execution ${String(args.id)}` };
      return found;
    },
    ...answers,
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(<App api={createApi(platform)} client={client} />);
  return platform;
}

/** Replaces the whole text of the CodeMirror editor inside `host`, as typing would. */
function typeInto(host: HTMLElement, text: string) {
  const view = EditorView.findFromDOM(host.querySelector<HTMLElement>('.cm-editor')!)!;
  act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }));
}

describe('an execution’s page', () => {
  it('shows what started it, each step with its attempts, and a timeline of the steps', async () => {
    renderAt('#/runs/exe_orig');
    expect((await screen.findByTestId('execution-id')).textContent).toBe('exe_orig');
    expect(screen.getByTestId('execution-status').textContent).toBe('failed');
    expect(screen.getByTestId('execution-version').textContent).toBe('v2');
    expect(screen.getByTestId('execution-trigger').textContent).toBe('webhook');
    expect(screen.getByTestId('execution-duration').textContent).toBe('1.00 s');
    const flow = within(await screen.findByTestId('execution-flow')).getByRole('link');
    await waitFor(() => expect(flow.textContent).toBe('Pets from webhook'));
    expect(flow.getAttribute('href')).toBe('#/flows/flw_pets');
    expect(screen.getByTestId('execution-error').textContent).toContain('Create pet: POST');

    expect(screen.getByTestId('execution-input').textContent).toContain('"Gromit"');
    expect(screen.getByTestId('execution-params').textContent).toContain('"limit": 5');

    const cards = screen.getAllByTestId('step-card');
    expect(cards.map((c) => c.getAttribute('data-status'))).toEqual(['succeeded', 'failed']);
    expect(within(cards[1]!).getByTestId('step-error').textContent).toContain('503 Service Unavailable');
    const attempts = within(cards[1]!).getAllByTestId('step-attempt');
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!.textContent).toContain('100 ms');
    expect(attempts[0]!.textContent).toContain('waited 200 ms');
    expect(within(cards[1]!).getByTestId('step-input').textContent).toContain('"http://127.0.0.1:9000/pet"');
    expect(within(cards[0]!).getByTestId('step-output').textContent).toContain('"Sold"');

    // 1 s in all: Shape from 0 for 250 ms, Create pet from 500 ms for 500 ms.
    const bars = screen.getAllByTestId('timeline-bar');
    expect(bars.map((b) => [b.style.left, b.style.width])).toEqual([
      ['0%', '25%'],
      ['50%', '50%'],
    ]);
    expect(screen.getAllByTestId('timeline-step')[1]!.textContent).toContain('+500 ms · 500 ms');

    expect(screen.getByRole('link', { name: /Show on canvas/ }).getAttribute('href')).toBe(
      '#/flows/flw_pets?step=stp_create&failed=1',
    );
  });

  it('copies the request as curl to the listener, secrets still masked', async () => {
    const platform = renderAt('#/runs/exe_orig');
    const copy = await screen.findByRole('button', { name: /Copy as curl/ });
    await waitFor(() => expect((copy as HTMLButtonElement).disabled, 'once the listener address is known').toBe(false));
    await act(async () => {
      fireEvent.click(copy);
    });
    expect(platform.copied).toEqual([
      "curl -i -X 'POST' 'http://127.0.0.1:8787/hook/pets?source=shop'" +
        " -H 'authorization: ••••••' -H 'content-type: application/json'" +
        ` --data-binary '{"petname":"Gromit","petstatus":"Sold"}'`,
    ]);
  });

  it('offers no curl for a run that no request started', async () => {
    byId.exe_manual = { ...failedRun, id: 'exe_manual', trigger: 'manual', input: { params: { who: 'Ada' } } };
    renderAt('#/runs/exe_manual');
    await screen.findByTestId('execution-id');
    expect(screen.queryByRole('button', { name: /Copy as curl/ })).toBeNull();
  });

  it('replays with an edited input only once it is valid JSON, from the trigger, then opens the replay', async () => {
    const platform = renderAt('#/runs/exe_orig', { replayExecution: () => replay });
    fireEvent.click(await screen.findByRole('button', { name: /Replay…/ }));
    const dialog = screen.getByTestId('replay-dialog');
    expect(
      (within(dialog).getByRole('radio', { name: /The version that ran \(v2\)/ }) as HTMLInputElement).checked,
    ).toBe(true);
    const failedStep = within(dialog).getByRole('radio', { name: /The failed step \(Create pet\)/ });
    expect((failedStep as HTMLInputElement).disabled, 'the execution failed: it can resume there').toBe(false);

    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'Edit the trigger input' }));
    const editor = within(dialog).getByTestId('replay-input');
    expect(editor.textContent, 'the editor starts from the original input').toContain('"petname": "Gromit"');
    expect((failedStep as HTMLInputElement).disabled, 'an edited input forces a replay from the trigger').toBe(true);
    expect(within(dialog).getByTestId('replay-input-note').textContent).toContain('runs from the trigger');

    typeInto(editor, '{"body": {"petname": "Wallace",}}');
    expect(within(dialog).getByTestId('replay-input-error').textContent).toMatch(/line 1, column \d+/);
    const send = within(dialog).getByRole('button', { name: 'Replay' });
    expect((send as HTMLButtonElement).disabled, 'invalid JSON is not sent').toBe(true);

    typeInto(editor, '{"method": "POST", "path": "/hook/pets", "body": {"petname": "Wallace"}}');
    expect((send as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(within(dialog).getByRole('radio', { name: 'The draft, as saved' }));
    await act(async () => {
      fireEvent.click(send);
    });
    expect(platform.calls.find((c) => c.op === 'replayExecution')?.args).toEqual({
      id: 'exe_orig',
      version: 'draft',
      from: 'trigger',
      input: { method: 'POST', path: '/hook/pets', body: { petname: 'Wallace' } },
    });
    await waitFor(() => expect(useRouter.getState().route).toEqual({ name: 'execution', executionId: 'exe_new' }));
    expect((await screen.findByTestId('execution-id')).textContent).toBe('exe_new');
    expect(screen.queryByTestId('replay-dialog')).toBeNull();
  });

  it('sends the version and start chosen, and keeps the dialog open on the core’s refusal', async () => {
    const platform = renderAt('#/runs/exe_orig', {
      replayExecution: () => {
        throw { code: 'invalid_input', message: 'the failed step stp_create is not in the version chosen' };
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: /Replay…/ }));
    const dialog = screen.getByTestId('replay-dialog');
    fireEvent.click(within(dialog).getByRole('radio', { name: 'The latest published version' }));
    fireEvent.click(within(dialog).getByRole('radio', { name: /The failed step/ }));
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Replay' }));
    });
    expect(platform.calls.find((c) => c.op === 'replayExecution')?.args).toEqual({
      id: 'exe_orig',
      version: 'latest',
      from: 'failed',
    });
    expect(within(dialog).getByTestId('replay-error').textContent).toContain('is not in the version chosen');
    expect(useRouter.getState().route, 'nothing ran: the page stays').toEqual({
      name: 'execution',
      executionId: 'exe_orig',
    });
  });

  it('offers only what the core can honour for a draft run that succeeded', async () => {
    byId.exe_draft = { ...replay, id: 'exe_draft', replayOf: undefined, version: null };
    renderAt('#/runs/exe_draft');
    fireEvent.click(await screen.findByRole('button', { name: /Replay…/ }));
    const dialog = screen.getByTestId('replay-dialog');
    const ran = within(dialog).getByRole('radio', { name: /The version that ran/ }) as HTMLInputElement;
    expect(ran.disabled, 'a draft is not kept per run').toBe(true);
    expect((within(dialog).getByRole('radio', { name: 'The draft, as saved' }) as HTMLInputElement).checked).toBe(true);
    expect((within(dialog).getByRole('radio', { name: /The failed step/ }) as HTMLInputElement).disabled).toBe(true);
  });

  it('shows a replay’s outputs beside the original’s with what was added, removed or changed', async () => {
    renderAt('#/runs/exe_new');
    const compare = await screen.findByTestId('replay-compare');
    expect(within(screen.getByTestId('execution-replay-of')).getByRole('link').getAttribute('href')).toBe(
      '#/runs/exe_orig',
    );
    await waitFor(() => expect(within(compare).getAllByTestId('compare-row')).toHaveLength(3));
    const [input, shape, create] = within(compare).getAllByTestId('compare-row');

    expect(input!.getAttribute('data-differences')).toBe('1');
    const inputReplay = within(input!).getByTestId('compare-replay');
    expect(inputReplay.querySelector('[data-path="body.petname"]')!.className).toContain('diff-changed');
    expect(within(input!).getByTestId('difference').textContent).toContain('body.petname changed');

    const shapeOriginal = within(shape!).getByTestId('compare-original');
    const shapeReplay = within(shape!).getByTestId('compare-replay');
    expect(shapeOriginal.querySelector('[data-path="name"]')!.className).toContain('diff-changed');
    expect(shapeReplay.querySelector('[data-path="id"]')!.className).toContain('diff-added');
    expect(shapeOriginal.querySelector('[data-path="id"]'), 'the original had no id').toBeNull();
    expect(shapeReplay.querySelector('[data-path="status"]')!.className, 'unchanged fields are not marked').not.toMatch(
      /diff-/,
    );
    expect(
      within(shape!)
        .getAllByTestId('difference')
        .map((d) => d.getAttribute('data-kind')),
    ).toEqual(['changed', 'added']);

    // The step failed the first time: no output beside the replay's.
    expect(within(create!).getByTestId('compare-original').textContent).toContain('503 Service Unavailable');
    expect(within(create!).getByTestId('compare-replay').querySelector('[data-path=""]')!.className).toContain(
      'diff-added',
    );
  });

  it('says when the run log kept only the beginning of a large output', async () => {
    // How the core keeps an output over 256 KiB of an execution that did not fail.
    const cut = { truncated: true, bytes: 524_288, preview: '{"rows":[{"id":1},' };
    byId.exe_big = {
      ...replay,
      id: 'exe_big',
      replayOf: undefined,
      steps: [{ ...replay.steps[0]!, output: cut }],
    };
    renderAt('#/runs/exe_big');
    const card = await screen.findByTestId('step-card');
    expect(within(card).getByTestId('value-truncated').textContent).toContain(`${(524_288).toLocaleString()} bytes`);
    expect(within(card).getByTestId('step-output').textContent, 'the beginning is still shown').toContain('rows');
  });

  it('says so when the execution does not exist', async () => {
    renderAt('#/runs/exe_gone');
    expect((await screen.findByRole('alert')).textContent).toContain('no execution exe_gone');
  });
});
