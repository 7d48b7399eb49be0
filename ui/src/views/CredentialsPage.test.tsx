import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { createApi } from '../api';
import type { ApiError } from '../bindings/ApiError';
import type { CredentialKindSchema } from '../bindings/CredentialKindSchema';
import type { CredentialView } from '../bindings/CredentialView';
import type { VaultStatus } from '../bindings/VaultStatus';
import kindsJson from '../bindings/credentialKinds.json';
import { ConfirmHost } from '../components/ConfirmHost';
import { ApiProvider } from '../lib/apiContext';
import { useCoreEvents } from '../lib/queries';
import { stubPlatform, type Answers } from '../test/stubPlatform';
import { CredentialsPage } from './CredentialsPage';

/** The kinds exactly as the core's `credentialKinds` answers them (written by `cargo test`). */
const kinds = kindsJson as unknown as CredentialKindSchema[];

const ready: VaultStatus = {
  source: 'key_file',
  description: 'key file /home/user/.local/share/hookline/vault.key',
  fingerprint: 'k1:3f9a0c21',
  ready: true,
  problem: null,
  credentials: 2,
  undecryptable: 0,
  recoveryKitShownAt: null,
};

// What the core lists: secrets as masks, one flow naming the pet store's credential.
const petstore: CredentialView = {
  id: 'crd_pets',
  name: 'Petstore',
  kind: 'basic',
  fields: { username: 'ada', verifyUrl: 'http://127.0.0.1:9000/pet' },
  secrets: { password: '••••••' },
  status: 'ok',
  problem: null,
  usedBy: [{ id: 'flw_pets', name: 'Pets from webhook' }],
  createdAt: '2026-12-01T10:00:00Z',
  updatedAt: '2026-12-01T10:00:00Z',
  verification: {
    ok: false,
    message: 'GET http://127.0.0.1:9000/pet answered 401 Unauthorized',
    at: '2026-12-01T10:05:00Z',
  },
  token: null,
};
const oauth: CredentialView = {
  id: 'crd_crm',
  name: 'CRM',
  kind: 'oauth2_client_credentials',
  fields: { tokenUrl: 'https://auth.example.com/token', clientId: 'hookline' },
  secrets: { clientSecret: '••••••' },
  status: 'ok',
  problem: null,
  usedBy: [],
  createdAt: '2026-12-01T10:00:00Z',
  updatedAt: '2026-12-01T10:00:00Z',
  verification: null,
  token: {
    expiresAt: '2099-01-01T00:00:00Z',
    fetchedAt: '2026-12-01T10:00:00Z',
    lastError: '2026-12-01T09:00:00Z: the token endpoint answered 401 invalid_client',
  },
};

/** What the app's shell does: core events refresh what they make stale. */
function CoreEvents({ client }: { client: QueryClient }) {
  useCoreEvents(client);
  return null;
}

function renderPage(answers: Answers = {}) {
  const platform = stubPlatform({
    listCredentials: () => [petstore, oauth],
    vaultStatus: () => ready,
    credentialKinds: () => kinds,
    ...answers,
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ApiProvider api={createApi(platform)}>
        <CoreEvents client={client} />
        <CredentialsPage />
        <ConfirmHost />
      </ApiProvider>
    </QueryClientProvider>,
  );
  return platform;
}

const row = async (name: string) =>
  (await screen.findAllByTestId('credential-row')).find((r) => r.getAttribute('data-name') === name)!;

describe('credentials page', () => {
  it('lists each credential with its kind, status, last check, token and the flows using it, secrets masked', async () => {
    renderPage();
    const pets = await row('Petstore');
    expect(pets.textContent).toContain('Basic Auth');
    expect(within(pets).getByTestId('credential-status').textContent).toBe('ok');
    expect(within(pets).getByTestId('last-verification').textContent).toContain('answered 401 Unauthorized');
    expect(within(pets).getByRole('link', { name: 'Pets from webhook' })).toBeTruthy();
    expect(within(pets).getByTestId('credential-secrets').textContent).toBe('password ••••••');
    const crm = await row('CRM');
    expect(within(crm).getByTestId('credential-token').textContent).toMatch(
      /Token expires .*Last error: .*invalid_client/,
    );
    expect(within(crm).getByTestId('last-verification').textContent).toBe('Never verified');
    expect(screen.getByTestId('vault-source').textContent).toBe('Key file');
    expect(screen.getByTestId('vault-state').textContent).toContain('ready');
  });

  it('creates a credential from its kind’s generated form and shows only a mask once saved', async () => {
    let created: CredentialView | null = null;
    const platform = renderPage({
      listCredentials: () => (created ? [petstore, oauth, created] : [petstore, oauth]),
      createCredential: (args) => {
        created = {
          ...petstore,
          id: 'crd_new',
          name: args.name as string,
          fields: args.fields as CredentialView['fields'],
          usedBy: [],
          verification: null,
        };
        return created;
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: /New credential/ }));
    const dialog = await screen.findByTestId('credential-dialog');
    fireEvent.change(within(dialog).getByLabelText(/^Name/), { target: { value: 'Shop' } });
    fireEvent.change(within(dialog).getByLabelText('Kind'), { target: { value: 'basic' } });
    const save = within(dialog).getByRole('button', { name: 'Save' });
    fireEvent.change(within(dialog).getByLabelText(/^Username/), { target: { value: 'ada' } });
    expect(save).toHaveProperty('disabled', true);
    expect(within(dialog).getByTestId('credential-missing').textContent).toBe('Still needed: Password.');
    const password = within(dialog).getByLabelText(/^Password/) as HTMLInputElement;
    expect(password.type, 'a secret is typed into a password input').toBe('password');
    fireEvent.change(password, { target: { value: 's3cret pass ' } });
    await act(async () => {
      fireEvent.click(save);
    });
    expect(platform.calls.find((c) => c.op === 'createCredential')?.args).toEqual({
      name: 'Shop',
      kind: 'basic',
      fields: { username: 'ada' },
      secrets: { password: 's3cret pass ' },
    });
    const saved = await screen.findByTestId('credential-saved');
    expect(saved.textContent).toContain('Password ••••••');
    expect(document.body.textContent, 'the secret is nowhere on the page once saved').not.toContain('s3cret');
    expect(document.querySelector('input[type="password"]'), 'and no input holds it').toBeNull();
  });

  it('edits with secrets blank, meaning keep the saved ones', async () => {
    const platform = renderPage({ editCredential: () => petstore });
    fireEvent.click(within(await row('Petstore')).getByRole('button', { name: 'Edit Petstore' }));
    const dialog = await screen.findByTestId('credential-dialog');
    expect((within(dialog).getByLabelText(/^Name/) as HTMLInputElement).disabled, 'flows name it').toBe(true);
    expect((within(dialog).getByLabelText(/^Username/) as HTMLInputElement).value).toBe('ada');
    const password = within(dialog).getByLabelText(/^Password/) as HTMLInputElement;
    expect(password.value, 'the secret is never filled in').toBe('');
    expect(password.placeholder).toBe('Leave blank to keep the saved value');
    fireEvent.change(within(dialog).getByLabelText(/^Username/), { target: { value: 'grace' } });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    });
    expect(platform.calls.find((c) => c.op === 'editCredential')?.args).toEqual({
      name: 'Petstore',
      fields: { username: 'grace', verifyUrl: 'http://127.0.0.1:9000/pet' },
      secrets: {},
    });
  });

  it('asks for every secret again when the saved ones cannot be decrypted', async () => {
    const damaged: CredentialView = {
      ...petstore,
      status: 'undecryptable',
      problem: 'credential "Petstore" cannot be decrypted with this vault\'s data key',
    };
    const platform = renderPage({ listCredentials: () => [damaged], editCredential: () => petstore });
    const pets = await row('Petstore');
    expect(within(pets).getByTestId('credential-status').textContent).toBe('cannot be decrypted');
    fireEvent.click(within(pets).getByRole('button', { name: 'Edit Petstore' }));
    const dialog = await screen.findByTestId('credential-dialog');
    expect(within(dialog).getByTestId('enter-secrets-again').textContent).toContain('enter each of them again');
    const save = within(dialog).getByRole('button', { name: 'Save' });
    expect(save, 'a blank secret cannot be kept: there is nothing to keep').toHaveProperty('disabled', true);
    fireEvent.change(within(dialog).getByLabelText(/^Password/), { target: { value: 'again' } });
    await act(async () => {
      fireEvent.click(save);
    });
    expect(platform.calls.find((c) => c.op === 'editCredential')?.args).toMatchObject({
      name: 'Petstore',
      secrets: { password: 'again' },
    });
  });

  it('verifies with a spinner and shows the result with its reason', async () => {
    let answer: (v: unknown) => void = () => {};
    const platform = renderPage({
      verifyCredential: () =>
        new Promise((resolve) => {
          answer = resolve as (v: unknown) => void;
        }),
    });
    const pets = await row('Petstore');
    fireEvent.click(within(pets).getByRole('button', { name: 'Verify Petstore' }));
    expect(within(pets).getByRole('status').textContent).toContain('Verifying…');
    await act(async () => {
      answer({ ok: true, message: 'GET http://127.0.0.1:9000/pet answered 200 OK', at: '2026-12-04T10:00:00Z' });
    });
    const result = within(pets).getByTestId('verify-result');
    expect(result.getAttribute('data-ok')).toBe('true');
    expect(result.textContent).toContain('Verified: GET http://127.0.0.1:9000/pet answered 200 OK');
    expect(platform.calls.filter((c) => c.op === 'verifyCredential').map((c) => c.args)).toEqual([
      { name: 'Petstore' },
    ]);
  });

  it('cancels a verification that takes too long', async () => {
    const cancelled: ApiError = { code: 'cancelled', message: 'the check of credential "Petstore" was cancelled' };
    let fail: (e: unknown) => void = () => {};
    const platform = renderPage({
      verifyCredential: () =>
        new Promise((_, reject) => {
          fail = reject;
        }),
      cancelVerification: () => {
        fail(cancelled);
        return true;
      },
    });
    const pets = await row('Petstore');
    fireEvent.click(within(pets).getByRole('button', { name: 'Verify Petstore' }));
    await act(async () => {
      fireEvent.click(within(pets).getByRole('button', { name: 'Cancel' }));
    });
    expect(within(pets).getByTestId('verify-result').textContent).toBe('Cancelled.');
    expect(platform.calls.filter((c) => c.op === 'cancelVerification').map((c) => c.args)).toEqual([
      { name: 'Petstore' },
    ]);
    expect(within(pets).getByRole('button', { name: 'Verify Petstore' }), 'it can be tried again').toBeTruthy();
  });

  it('asks before removing a credential in use, naming the flows that would break', async () => {
    const platform = renderPage({ removeCredential: () => petstore.usedBy });
    fireEvent.click(within(await row('Petstore')).getByRole('button', { name: 'Remove Petstore' }));
    const confirm = await screen.findByTestId('confirm-dialog');
    expect(confirm.textContent).toContain('These flows name Petstore and will break: Pets from webhook.');
    expect(
      platform.calls.some((c) => c.op === 'removeCredential'),
      'nothing removed before the answer',
    ).toBe(false);
    await act(async () => {
      fireEvent.click(within(confirm).getByRole('button', { name: 'Remove anyway' }));
    });
    expect(platform.calls.find((c) => c.op === 'removeCredential')?.args).toEqual({ name: 'Petstore', force: true });
  });

  it('says what to do when no key source is available, and makes a key file', async () => {
    const none: VaultStatus = {
      ...ready,
      source: null,
      description: 'no key source',
      fingerprint: null,
      ready: false,
      problem: 'no place to keep the vault’s data key: HOOKLINE_MASTER_KEY is not set, there is no key file…',
    };
    const platform = renderPage({ vaultStatus: () => none, createKeyFile: () => ready });
    expect((await screen.findByTestId('vault-source')).textContent).toBe('No key source available');
    expect(screen.getByTestId('vault-problem').textContent).toContain('HOOKLINE_MASTER_KEY is not set');
    const help = screen.getByTestId('no-key-source');
    expect(help.textContent).toContain('HOOKLINE_MASTER_KEY');
    await act(async () => {
      fireEvent.click(within(help).getByRole('button', { name: 'Create a key file' }));
    });
    expect(platform.calls.filter((c) => c.op === 'createKeyFile')).toHaveLength(1);
    await waitFor(() => expect(screen.getByTestId('vault-source').textContent).toBe('Key file'));
  });

  it('shows the recovery kit once, after a warning to write it down', async () => {
    let shown = false;
    const platform = renderPage({
      vaultStatus: () => (shown ? { ...ready, recoveryKitShownAt: '2026-12-04T10:00:00Z' } : ready),
      recoveryKit: () => {
        shown = true;
        return {
          phrase: 'HKL1-HWEJR-ETAB5-M7F1M-NMJSW-5MF0Y-00H48-SM8NB-6EY49-KANVS-KEYXZ-R030R',
          fingerprint: 'k1:3f9a0c21',
        };
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Show recovery kit…' }));
    const confirm = await screen.findByTestId('confirm-dialog');
    expect(confirm.textContent).toContain('write it down');
    expect(
      platform.calls.some((c) => c.op === 'recoveryKit'),
      'nothing asked before confirming',
    ).toBe(false);
    await act(async () => {
      fireEvent.click(within(confirm).getByRole('button', { name: 'Show it once' }));
    });
    expect(platform.calls.find((c) => c.op === 'recoveryKit')?.args).toEqual({ confirm: true });
    const dialog = await screen.findByTestId('recovery-kit-dialog');
    expect(within(dialog).getByTestId('recovery-phrase').textContent).toBe(
      'HKL1-HWEJR-ETAB5-M7F1M-NMJSW-5MF0Y-00H48-SM8NB-6EY49-KANVS-KEYXZ-R030R',
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'I have written it down' }));
    expect(screen.queryByTestId('recovery-phrase'), 'closing forgets it').toBeNull();
    await waitFor(() => expect(screen.getByTestId('recovery-kit').textContent).toContain('It is shown once per key'));
  });

  it('refreshes when the core says a credential changed', async () => {
    let listed = [petstore];
    const platform = renderPage({ listCredentials: () => listed });
    await row('Petstore');
    listed = [petstore, oauth];
    act(() => platform.emit({ type: 'credentialChanged', name: 'CRM' }));
    await waitFor(() => expect(screen.getAllByTestId('credential-row')).toHaveLength(2));
  });
});
