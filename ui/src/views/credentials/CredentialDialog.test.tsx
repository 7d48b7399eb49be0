import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { createApi } from '../../api';
import type { ApiError } from '../../bindings/ApiError';
import type { CredentialKindSchema } from '../../bindings/CredentialKindSchema';
import type { CredentialView } from '../../bindings/CredentialView';
import type { FlowDocument } from '../../bindings/FlowDocument';
import kindsJson from '../../bindings/credentialKinds.json';
import { catalogOf } from '../../editor/convert';
import { useEditor } from '../../editor/store';
import { ApiProvider } from '../../lib/apiContext';
import { builtInComponents, httpRequest } from '../../test/components';
import { stubPlatform, type Answers } from '../../test/stubPlatform';
import { StepPanel } from '../designer/StepPanel';
import { initialValues, toArgs } from './credentialForm';

/** The kinds exactly as the core's `credentialKinds` answers them (written by `cargo test`). */
const kinds = kindsJson as unknown as CredentialKindSchema[];
const kind = (name: string) => kinds.find((k) => k.kind === name)!;

const doc: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_t',
  name: 'T',
  steps: [
    { id: 'stp_hook', component: 'webhook', name: 'Webhook', config: {} },
    { id: 'stp_http', component: 'http_request', name: 'Create pet', inputs: {} },
  ],
  edges: [{ from: 'stp_hook', to: 'stp_http' }],
};

// The draft in the editor was never saved, so the core does not know the flow.
const notSaved: ApiError = { code: 'flow_not_found', message: 'no flow "flw_t"' };

function renderPanel(answers: Answers) {
  const platform = stubPlatform({
    getFlow: () => {
      throw notSaved;
    },
    previewStep: () => {
      throw notSaved;
    },
    credentialKinds: () => kinds,
    ...answers,
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ApiProvider api={createApi(platform)}>
        <StepPanel stepId="stp_http" component={httpRequest} />
      </ApiProvider>
    </QueryClientProvider>,
  );
  return platform;
}

beforeEach(() => {
  useEditor.getState().load('flw_t', doc, catalogOf(builtInComponents));
});

describe('creating a credential from the step panel', () => {
  it('offers only the kinds the component accepts and selects the new credential on the step', async () => {
    let vault: CredentialView[] = [];
    const platform = renderPanel({
      listCredentials: () => vault,
      createCredential: (args) => {
        const view: CredentialView = {
          id: 'crd_pets',
          name: args.name as string,
          kind: args.kind as string,
          fields: args.fields as CredentialView['fields'],
          secrets: { password: '••••••' },
          status: 'ok',
          problem: null,
          usedBy: [],
          createdAt: '2026-12-04T10:00:00Z',
          updatedAt: '2026-12-04T10:00:00Z',
          verification: null,
          token: null,
        };
        vault = [view];
        return view;
      },
      verifyCredential: () => ({ ok: true, message: 'GET http://127.0.0.1:9000/pet answered 200 OK', at: 'now' }),
    });
    fireEvent.click(await screen.findByRole('button', { name: /Create new credential/ }));
    const dialog = await screen.findByTestId('credential-dialog');
    const kindSelect = (await within(dialog).findByLabelText('Kind')) as HTMLSelectElement;
    expect(
      [...kindSelect.options].map((o) => o.value),
      'the HTTP Request action sends these kinds and no other',
    ).toEqual(httpRequest.credentialKinds);
    fireEvent.change(within(dialog).getByLabelText(/^Name/), { target: { value: 'Pet store' } });
    fireEvent.change(kindSelect, { target: { value: 'basic' } });
    fireEvent.change(within(dialog).getByLabelText(/^Username/), { target: { value: 'ada' } });
    fireEvent.change(within(dialog).getByLabelText(/^Password/), { target: { value: 'pw-7' } });
    fireEvent.change(within(dialog).getByLabelText(/^Verify URL/), {
      target: { value: 'http://127.0.0.1:9000/pet' },
    });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    });
    expect(platform.calls.find((c) => c.op === 'createCredential')?.args).toEqual({
      name: 'Pet store',
      kind: 'basic',
      fields: { username: 'ada', verifyUrl: 'http://127.0.0.1:9000/pet' },
      secrets: { password: 'pw-7' },
    });
    expect(
      useEditor
        .getState()
        .document()
        .steps.find((s) => s.id === 'stp_http')!.credential,
      'the new credential is the step’s',
    ).toBe('Pet store');
    const picker = document.querySelector<HTMLSelectElement>('[data-field="credential"]')!;
    await waitFor(() => expect(picker.selectedOptions[0]!.text).toBe('Pet store (basic)'));

    // Save to verify, as the tutorial does: the result and its reason, in the dialog.
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Verify Pet store' }));
    });
    expect(within(dialog).getByTestId('verify-result').textContent).toContain('Verified: GET');
    expect(dialog.textContent).not.toContain('pw-7');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('credential-dialog')).toBeNull();
  });

  it('shows the core’s refusal on the form and keeps what was typed', async () => {
    const taken: ApiError = {
      code: 'conflict',
      message: 'a credential named "Pet store" already exists; pass --replace to enter it again',
    };
    renderPanel({
      listCredentials: () => [],
      createCredential: () => {
        throw taken;
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: /Create new credential/ }));
    const dialog = await screen.findByTestId('credential-dialog');
    fireEvent.change(await within(dialog).findByLabelText(/^Name/), { target: { value: 'Pet store' } });
    fireEvent.change(within(dialog).getByLabelText('Kind'), { target: { value: 'bearer' } });
    fireEvent.change(within(dialog).getByLabelText(/^Token/), { target: { value: 'tok' } });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    });
    expect(within(dialog).getByRole('alert').textContent).toContain('already exists');
    expect((within(dialog).getByLabelText(/^Token/) as HTMLInputElement).value).toBe('tok');
    expect(useEditor.getState().document().steps[1]!.credential ?? null, 'nothing selected').toBeNull();
  });
});

describe('credential form values', () => {
  it('types lists, seconds and flags as each kind declares and leaves blank secrets out', () => {
    const hmac = kind('hmac').fields;
    const values = { ...initialValues(hmac), preset: 'github', toleranceSeconds: '60', secret: '' };
    expect(toArgs(hmac, values)).toEqual({ fields: { preset: 'github', toleranceSeconds: 60 }, secrets: {} });
    const bearer = kind('bearer').fields;
    expect(
      toArgs(bearer, {
        ...initialValues(bearer),
        roles: 'reviewers, ops',
        allowInsecureHttp: true,
        token: ' t ',
      }),
    ).toEqual({ fields: { roles: ['reviewers', 'ops'], allowInsecureHttp: true }, secrets: { token: ' t ' } });
  });

  it('starts an edit from the saved fields, never from a secret', () => {
    const saved = { fields: { in: 'query', name: 'api_key', roles: ['a', 'b'] }, secrets: { key: '••••••' } };
    const values = initialValues(kind('api_key').fields, saved as unknown as CredentialView);
    expect(values).toMatchObject({ in: 'query', name: 'api_key', roles: 'a, b', key: '' });
  });
});
