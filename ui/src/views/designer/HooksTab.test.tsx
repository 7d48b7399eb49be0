import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { createApi } from '../../api';
import type { ApiError } from '../../bindings/ApiError';
import type { FlowTokenInfo } from '../../bindings/FlowTokenInfo';
import type { Execution } from '../../bindings/Execution';
import type { HookInfo } from '../../bindings/HookInfo';
import type { InboxView } from '../../bindings/InboxView';
import type { NewFlowToken } from '../../bindings/NewFlowToken';
import type { SignedCall } from '../../bindings/SignedCall';
import { ConfirmHost } from '../../components/ConfirmHost';
import { ApiProvider } from '../../lib/apiContext';
import { useToasts } from '../../lib/toast';
import { stubPlatform, type Answers } from '../../test/stubPlatform';
import { HooksTab } from './HooksTab';

const base = 'http://127.0.0.1:8787';

// What the core answers for a live flow whose hook has the slug "pets" and an API key credential.
const hook: HookInfo = {
  flowId: 'flw_pets',
  live: true,
  methods: ['POST'],
  url: `${base}/hook/pets`,
  testUrl: `${base}/hook-test/pets`,
  curl: `curl -i -X 'POST' '${base}/hook/pets' -H 'X-API-Key: '"$HOOKLINE_HOOK_KEY" -H 'Content-Type: application/json' --data '{"name":"Gromit"}'`,
  testCurl: `curl -i -X 'POST' '${base}/hook-test/pets' --data '{}'`,
  guardedBy: 'pets-key',
  signature: null,
  routes: [
    {
      kind: 'hook',
      label: 'Hookline',
      methods: ['POST'],
      url: `${base}/hook/pets`,
      curl: `curl -i -X 'POST' '${base}/hook/pets' -H 'X-API-Key: '"$HOOKLINE_HOOK_KEY" -H 'Content-Type: application/json' --data '{"name":"Gromit"}'`,
      variables: [{ name: 'HOOKLINE_HOOK_KEY', description: 'The API key of the credential pets-key.' }],
      statusUrl: null,
      note: 'It answers 202 with the execution id and status URL (?wait waits for the flow).',
    },
    {
      kind: 'cells',
      label: 'Pydio Cells',
      methods: ['POST'],
      url: `${base}/a/scheduler/hooks/pets`,
      curl: `curl -i -X 'POST' '${base}/a/scheduler/hooks/pets' -H 'X-API-Key: '"$HOOKLINE_HOOK_KEY" -H 'Content-Type: application/json' --data '{"JobParameters":{"limit":10},"name":"Gromit"}'`,
      variables: [{ name: 'HOOKLINE_HOOK_KEY', description: 'The API key of the credential pets-key.' }],
      statusUrl: null,
      note: 'JobParameters sets the flow’s overridable parameters.',
    },
    {
      kind: 'boomerang',
      label: 'Boomerang Flow',
      methods: ['POST'],
      url: `${base}/webhook/payload`,
      curl: `curl -i -X 'POST' '${base}/webhook/payload' -H 'Content-Type: application/json' --data '{"token":"'"$HOOKLINE_FLOW_TOKEN"'","name":"Gromit"}'`,
      variables: [{ name: 'HOOKLINE_FLOW_TOKEN', description: 'The flow’s token, shown once when made.' }],
      statusUrl: `${base}/webhook/status/{activityId}`,
      note: 'The flow’s token in the body names the flow.',
    },
    {
      kind: 'cloudomation',
      label: 'Cloudomation',
      methods: ['GET', 'POST'],
      url: `${base}/api/webhook/local/pets`,
      curl: `curl -i -X 'POST' '${base}/api/webhook/local/pets' -H 'Content-Type: application/json' --data '{"key":"'"$HOOKLINE_HOOK_KEY"'","name":"Gromit"}'`,
      variables: [{ name: 'HOOKLINE_HOOK_KEY', description: 'The API key of the credential pets-key.' }],
      statusUrl: null,
      note: 'It waits for the flow and answers the execution.',
    },
  ],
};

const made: NewFlowToken = {
  flowId: 'flw_pets',
  token: 'hlw_5f3c',
  createdAt: '2026-12-01T10:00:00Z',
  payloadUrl: `${base}/webhook/payload`,
  statusUrl: `${base}/webhook/status/{activityId}`,
};

const none: FlowTokenInfo = { flowId: 'flw_pets', present: false, createdAt: null };
const existing: FlowTokenInfo = { flowId: 'flw_pets', present: true, createdAt: '2026-11-20T08:30:00Z' };

// Two requests the hook received: one refused for its signature, one accepted that ran.
const refusedRequest: InboxView = {
  id: 'inb_2',
  flowKey: 'pets',
  flowId: 'flw_pets',
  method: 'POST',
  path: '/hook/pets',
  query: null,
  headers: { 'content-type': 'application/json', 'x-hub-signature-256': '••••••' },
  body: '{"name":"Wallace"}',
  bodyEncoding: 'text',
  bodyBytes: 18,
  receivedAt: '2026-12-04T10:05:00Z',
  status: 401,
  reason: 'signature_invalid',
  executionId: null,
};
const acceptedRequest: InboxView = {
  ...refusedRequest,
  id: 'inb_1',
  query: 'dry=1',
  body: '{"name":"Gromit"}',
  receivedAt: '2026-12-04T10:00:00Z',
  status: 202,
  reason: null,
  executionId: 'exe_first',
};

// The core's answer to replaying the refused request: a new execution of the latest version.
const rerun: Execution = {
  id: 'exe_rerun',
  flowId: 'flw_pets',
  version: 3,
  trigger: 'webhook',
  status: 'succeeded',
  input: { method: 'POST', path: '/hook/pets', headers: {}, query: {}, body: { name: 'Wallace' } },
  params: {},
  output: null,
  error: null,
  failedStep: null,
  reply: null,
  createdAt: '2026-12-04T10:06:00Z',
  startedAt: '2026-12-04T10:06:00Z',
  finishedAt: '2026-12-04T10:06:00Z',
  durationMs: 4,
  steps: [],
};

function renderTab(answers: Answers) {
  const platform = stubPlatform({ hooks: () => hook, listInbox: () => [], ...answers });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ApiProvider api={createApi(platform)}>
        <HooksTab flowId="flw_pets" flowName="Pets" hasWebhook savedHasWebhook dirty={false} />
        <ConfirmHost />
      </ApiProvider>
    </QueryClientProvider>,
  );
  return platform;
}

const click = async (element: HTMLElement) => {
  await act(async () => {
    fireEvent.click(element);
  });
};

// The same hook guarded by a GitHub signature instead, and what signing its sample answers.
const signedHook: HookInfo = { ...hook, guardedBy: 'gh-signer', signature: 'github' };
const signedCall = (body: string): SignedCall => ({
  method: 'POST',
  url: `${base}/hook/pets`,
  body,
  headers: [{ name: 'X-Hub-Signature-256', value: 'sha256=00ff' }],
  curl: `curl -i -X 'POST' '${base}/hook/pets' -H 'X-Hub-Signature-256: sha256=00ff' --data-binary '${body}'`,
  validForSeconds: null,
});

describe('the hook panel', () => {
  it('signs the sample, then an edited body, for a hook that checks a signature', async () => {
    const platform = renderTab({
      hooks: () => signedHook,
      flowToken: () => none,
      signCall: (args) => signedCall((args as { body?: string }).body ?? '{"name":"Gromit"}'),
    });
    const section = await screen.findByTestId('sign-body');
    expect(section.textContent).toContain('github signature');
    await click(within(section).getByRole('button', { name: 'Sign the sample' }));
    expect(platform.calls.find((c) => c.op === 'signCall')?.args).toEqual({ flow: 'flw_pets' });
    expect((await within(section).findByTestId('signed-curl')).textContent).toContain(
      '--data-binary \'{"name":"Gromit"}\'',
    );
    expect(section.textContent).toContain('holds for this body until the secret changes');

    const editor = within(section).getByRole('textbox', { name: 'Body to sign' });
    await act(async () => {
      fireEvent.change(editor, { target: { value: '{"name":"Wallace"}' } });
    });
    expect(within(section).queryByTestId('signed-curl'), 'an edited body needs a new signature').toBeNull();
    await click(within(section).getByRole('button', { name: 'Sign this body' }));
    expect(platform.calls.filter((c) => c.op === 'signCall').at(-1)?.args).toEqual({
      flow: 'flw_pets',
      body: '{"name":"Wallace"}',
    });
    expect((await within(section).findByTestId('signed-curl')).textContent).toContain('Wallace');
  });

  it('offers no signing for a hook guarded by a key, and exports its secrets only after a warning', async () => {
    const platform = renderTab({ flowToken: () => none, postmanCollection: () => ({ info: {}, item: [] }) });
    await screen.findByTestId('hook-url');
    expect(screen.queryByTestId('sign-body')).toBeNull();
    await click(screen.getByRole('button', { name: /Export with secrets/ }));
    const confirm = screen.getByRole('alertdialog', { name: 'Export the secrets too?' });
    expect(confirm.textContent).toContain('pets-key');
    await click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(platform.calls.some((c) => c.op === 'postmanCollection')).toBe(false);

    await click(screen.getByRole('button', { name: /Export with secrets/ }));
    await click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Export with secrets' }));
    await waitFor(() =>
      expect(platform.calls.find((c) => c.op === 'postmanCollection')?.args).toEqual({
        flow: 'flw_pets',
        withSecrets: true,
      }),
    );
  });

  it('lists each route with its URL, and copies the URL or the ready curl command', async () => {
    const platform = renderTab({ flowToken: () => none });
    const routes = await screen.findByRole('list', { name: 'Routes into the hook' });
    const items = ['cells', 'boomerang', 'cloudomation'].map((kind) => within(routes).getByTestId(`route-${kind}`));
    expect(
      within(routes)
        .getAllByTestId('route-url')
        .map((url) => url.textContent),
      'Cells, Boomerang Flow and Cloudomation beside the hook URL shown above',
    ).toEqual([`${base}/a/scheduler/hooks/pets`, `${base}/webhook/payload`, `${base}/api/webhook/local/pets`]);
    expect(within(items[2]!).getByText('GET or POST')).toBeTruthy();
    expect(
      within(items[1]!).getByText(`${base}/webhook/status/{activityId}`),
      'where an activity is followed',
    ).toBeTruthy();

    await click(screen.getByRole('button', { name: 'Copy Pydio Cells URL' }));
    await click(screen.getByRole('button', { name: 'Copy Cloudomation curl' }));
    expect(platform.copied).toEqual([`${base}/a/scheduler/hooks/pets`, hook.routes[3]!.curl]);
    expect(
      within(items[2]!).getByText('HOOKLINE_HOOK_KEY').parentElement!.textContent,
      'the variable the command reads the key from, and what to set it to',
    ).toContain('The API key of the credential pets-key.');
    expect(screen.queryByTestId('cloudomation-needs-slug'), 'the hook has a slug').toBeNull();
  });

  it('says a hook without a slug has no Cloudomation URL', async () => {
    renderTab({
      hooks: () => ({ ...hook, routes: hook.routes.filter((route) => route.kind !== 'cloudomation') }),
      flowToken: () => none,
    });
    expect((await screen.findByTestId('cloudomation-needs-slug')).textContent).toContain('Give the trigger a slug');
  });

  it('builds the webhook URL: the token is shown once with a command that uses it', async () => {
    const platform = renderTab({ flowToken: () => none, createFlowToken: () => made });
    await click(await screen.findByRole('button', { name: 'Build webhook URL' }));
    expect(platform.calls.find((c) => c.op === 'createFlowToken')?.args).toEqual({ flow: 'flw_pets' });

    const dialog = await screen.findByRole('dialog', { name: 'Webhook token' });
    expect(within(dialog).getByTestId('new-flow-token').textContent).toBe('hlw_5f3c');
    expect(within(dialog).getByText(/it will not be shown again/)).toBeTruthy();
    const copyToken = within(dialog).getByRole('button', { name: 'Copy token' });
    expect(document.activeElement, 'the keyboard starts on Copy token').toBe(copyToken);
    await click(copyToken);
    await click(within(dialog).getByRole('button', { name: 'Copy curl' }));
    expect(platform.copied[0]).toBe('hlw_5f3c');
    expect(platform.copied[1], 'the Boomerang Flow command with the token written in').toBe(
      `curl -i -X 'POST' '${base}/webhook/payload' -H 'Content-Type: application/json' --data '{"token":"hlw_5f3c","name":"Gromit"}'`,
    );

    fireEvent.keyDown(dialog, { key: 'Escape' });
    expect(screen.queryByRole('dialog'), 'Escape closes the dialog').toBeNull();
    expect(screen.queryByText('hlw_5f3c'), 'and the token is gone from the page').toBeNull();
    expect((await screen.findByTestId('flow-token-state')).textContent).toContain('A token was made');
    expect(screen.getByRole('button', { name: 'Rotate token' })).toBeTruthy();
  });

  it('rotates a token only once the user confirms that the old one stops working', async () => {
    const platform = renderTab({ flowToken: () => existing, createFlowToken: () => made });
    expect((await screen.findByTestId('flow-token-state')).textContent).toMatch(/A token was made .*2026/);
    expect(screen.queryByRole('button', { name: 'Build webhook URL' })).toBeNull();

    await click(screen.getByRole('button', { name: 'Rotate token' }));
    const confirm = screen.getByRole('alertdialog', { name: 'Rotate the flow token?' });
    expect(confirm.textContent).toContain('stops working at once');
    await click(within(confirm).getByRole('button', { name: 'Cancel' }));
    expect(
      platform.calls.some((c) => c.op === 'createFlowToken'),
      'cancelled: nothing rotates',
    ).toBe(false);

    await click(screen.getByRole('button', { name: 'Rotate token' }));
    await click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Rotate token' }));
    expect(platform.calls.find((c) => c.op === 'createFlowToken')?.args).toEqual({ flow: 'flw_pets', rotate: true });
    expect(within(await screen.findByRole('dialog', { name: 'Webhook token' })).getByText('hlw_5f3c')).toBeTruthy();
  });

  it('lists the requests the hook received and replays one, linking to the execution it became', async () => {
    const platform = renderTab({
      flowToken: () => none,
      listInbox: () => [refusedRequest, acceptedRequest],
      replayInbox: () => rerun,
    });
    const entries = await screen.findAllByTestId('inbox-entry');
    expect(platform.calls.find((c) => c.op === 'listInbox')?.args).toEqual({ flow: 'flw_pets', limit: 10 });
    expect(entries[0]!.textContent).toContain('Refused: signature_invalid');
    expect(entries[1]!.textContent).toContain('POST /hook/pets?dry=1');
    expect(
      within(entries[1]!).getByRole('link', { name: 'exe_first' }).getAttribute('href'),
      'an accepted request links to the execution it started',
    ).toBe('#/runs/exe_first');

    await click(within(entries[0]!).getByRole('button', { name: 'Replay' }));
    expect(platform.calls.find((c) => c.op === 'replayInbox')?.args).toEqual({ id: 'inb_2' });
    const replayed = within(entries[0]!).getByTestId('inbox-replay');
    expect(replayed.textContent).toContain('succeeded');
    expect(within(replayed).getByRole('link', { name: 'exe_rerun' }).getAttribute('href')).toBe('#/runs/exe_rerun');
  });

  it('says why a request could not be replayed', async () => {
    renderTab({
      flowToken: () => none,
      listInbox: () => [refusedRequest],
      replayInbox: () => {
        throw { code: 'not_published', message: 'flw_pets has no published version' };
      },
    });
    await click(within(await screen.findByTestId('inbox-entry')).getByRole('button', { name: 'Replay' }));
    expect(screen.queryByTestId('inbox-replay')).toBeNull();
    expect(useToasts.getState().toasts.at(-1)?.message).toBe(
      'POST /hook/pets was not replayed: flw_pets has no published version',
    );
  });

  it('shows the core’s refusal and what exists now', async () => {
    // Another window made a token a moment earlier: the core refuses to make a second one.
    const refused: ApiError = {
      code: 'conflict',
      message:
        'flw_pets already has a token (made 2026-12-01T09:59:00Z); it is shown only once, so rotate it to get a new one',
    };
    let asked = 0;
    renderTab({
      flowToken: () => (asked++ === 0 ? none : existing),
      createFlowToken: () => {
        throw refused;
      },
    });
    await click(await screen.findByRole('button', { name: 'Build webhook URL' }));
    expect(screen.getByTestId('flow-token-error').textContent).toContain('already has a token');
    expect(screen.getByTestId('flow-token-error').getAttribute('role')).toBe('alert');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Rotate token' })).toBeTruthy());
    expect(screen.queryByRole('dialog'), 'no token to show').toBeNull();
  });
});
