import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import type { CredentialView } from '../bindings/CredentialView';
import type { RecoveryKit } from '../bindings/RecoveryKit';
import type { VaultStatus } from '../bindings/VaultStatus';
import { Dialog } from '../components/Dialog';
import { RouteLink } from '../components/RouteLink';
import { useApi } from '../lib/apiContext';
import { confirmAction } from '../lib/confirm';
import { formatDateTime, formatRelative } from '../lib/format';
import { keys, useCredentialKinds, useCredentials, useVaultStatus } from '../lib/queries';
import { toast } from '../lib/toast';
import { Pencil, Plus, Trash2 } from '../lib/uiIcons';
import { toApiError } from '../platform/types';
import { CredentialDialog, type CredentialDialogMode } from './credentials/CredentialDialog';
import { VerifyControl } from './credentials/VerifyControl';

/**
 * The vault: every credential with its status, last verification, OAuth2
 * token state and the flows naming it; create, edit, verify and remove; the
 * data key's source and the recovery kit. Secrets never reach this page:
 * the core answers masks.
 */
export function CredentialsPage() {
  const credentials = useCredentials();
  const kinds = useCredentialKinds();
  const [dialog, setDialog] = useState<CredentialDialogMode | null>(null);
  const titleOf = (kind: string) => kinds.data?.find((k) => k.kind === kind)?.title ?? kind;
  const list = [...(credentials.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <section className="page" aria-labelledby="credentials-title">
      <header className="page-header">
        <h1 id="credentials-title">Credentials</h1>
        <div className="toolbar">
          <button type="button" className="btn btn-primary" onClick={() => setDialog({ type: 'create' })}>
            <Plus size={15} aria-hidden="true" /> New credential
          </button>
        </div>
      </header>
      <div className="credentials">
        <VaultCard />
        {credentials.isPending ? (
          <p className="muted pad">Loading credentials…</p>
        ) : credentials.isError ? (
          <p className="field-error pad" role="alert">
            Could not read the vault: {toApiError(credentials.error).message}
          </p>
        ) : list.length === 0 ? (
          <div className="empty" data-testid="credentials-empty">
            <p>No credentials yet.</p>
            <p className="muted">
              Add the user names, keys and tokens your flows send or check. Steps and hooks name a credential; its
              secrets stay encrypted in the vault.
            </p>
          </div>
        ) : (
          <table className="table credentials-table" aria-label="Credentials">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col">Last verification</th>
                <th scope="col">Used by</th>
                <th scope="col" className="actions-col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <CredentialRow
                  key={c.id}
                  credential={c}
                  kindTitle={titleOf(c.kind)}
                  onEdit={() => setDialog({ type: 'edit', credential: c })}
                />
              ))}
            </tbody>
          </table>
        )}
      </div>
      {dialog && <CredentialDialog mode={dialog} onClose={() => setDialog(null)} />}
    </section>
  );
}

function CredentialRow({
  credential: c,
  kindTitle,
  onEdit,
}: {
  credential: CredentialView;
  kindTitle: string;
  onEdit: () => void;
}) {
  const api = useApi();
  const client = useQueryClient();

  const remove = async () => {
    const flows = c.usedBy.map((f) => f.name).join(', ');
    const ok = await confirmAction({
      title: `Remove ${c.name}?`,
      message:
        c.usedBy.length > 0
          ? `These flows name ${c.name} and will break: ${flows}. They will not publish, and a hook it guards refuses every caller, until they name another credential.`
          : `No flow names ${c.name}. Its secrets are deleted from the vault.`,
      confirmLabel: c.usedBy.length > 0 ? 'Remove anyway' : 'Remove',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.removeCredential(c.name, c.usedBy.length > 0);
      toast.success(`Removed credential ${c.name}`);
    } catch (e) {
      toast.error(e, `Could not remove ${c.name}`);
    } finally {
      void client.invalidateQueries({ queryKey: keys.credentials });
      void client.invalidateQueries({ queryKey: keys.vaultStatus });
    }
  };

  return (
    <tr data-testid="credential-row" data-name={c.name}>
      <td>
        <strong>{c.name}</strong>
        {Object.keys(c.secrets).length > 0 && (
          <div className="muted small" data-testid="credential-secrets">
            {Object.entries(c.secrets).map(([field, mask], i) => (
              <span key={field}>
                {i > 0 && ', '}
                {field} <code>{mask}</code>
              </span>
            ))}
          </div>
        )}
      </td>
      <td>
        {kindTitle}
        <div className="muted small mono">{c.kind}</div>
      </td>
      <td>
        <span
          className={`badge ${c.status === 'ok' ? 'badge-success' : c.status === 'locked' ? 'badge-warning' : 'badge-danger'}`}
          data-testid="credential-status"
        >
          {c.status === 'ok' ? 'ok' : c.status === 'locked' ? 'locked' : 'cannot be decrypted'}
        </span>
        {c.problem && <p className="field-hint">{c.problem}</p>}
        {c.status === 'undecryptable' && <p className="field-hint">Edit it and enter its secrets again to use it.</p>}
        {c.token && <TokenCell token={c.token} />}
      </td>
      <td className="verification-cell">
        {c.verification ? (
          <p
            className={c.verification.ok ? 'field-ok' : 'field-error'}
            data-testid="last-verification"
            title={formatDateTime(c.verification.at)}
          >
            {c.verification.ok ? 'Passed' : 'Failed'} {formatRelative(c.verification.at)}: {c.verification.message}
          </p>
        ) : (
          <p className="muted" data-testid="last-verification">
            Never verified
          </p>
        )}
        <VerifyControl key={c.updatedAt} name={c.name} />
      </td>
      <td>
        {c.usedBy.length === 0 ? (
          <span className="muted">No flow</span>
        ) : (
          <ul className="plain-list">
            {c.usedBy.map((f) => (
              <li key={f.id}>
                <RouteLink to={{ name: 'designer', flowId: f.id }}>{f.name}</RouteLink>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className="row-actions">
        <button type="button" className="icon-btn" aria-label={`Edit ${c.name}`} title="Edit" onClick={onEdit}>
          <Pencil size={15} aria-hidden="true" />
        </button>
        <button
          type="button"
          className="icon-btn icon-btn-danger"
          aria-label={`Remove ${c.name}`}
          title="Remove"
          onClick={() => void remove()}
        >
          <Trash2 size={15} aria-hidden="true" />
        </button>
      </td>
    </tr>
  );
}

/** An OAuth2 credential's cached token: when it expires and what went wrong last (never the token). */
function TokenCell({ token }: { token: NonNullable<CredentialView['token']> }) {
  const expired = token.expiresAt !== null && Date.parse(token.expiresAt) < Date.now();
  return (
    <div className="small" data-testid="credential-token">
      {token.expiresAt ? (
        <p className={expired ? 'muted' : undefined} title={formatDateTime(token.expiresAt)}>
          Token {expired ? 'expired' : 'expires'} {formatRelative(token.expiresAt)}
        </p>
      ) : (
        <p className="muted">No token fetched yet</p>
      )}
      {token.lastError && <p className="field-error">Last error: {token.lastError}</p>}
    </div>
  );
}

const SOURCES: Record<string, string> = {
  keychain: 'OS keychain',
  key_file: 'Key file',
  environment: 'HOOKLINE_MASTER_KEY environment variable',
};

/** Where the data key comes from, whether the vault is usable, what to do if not, and the recovery kit. */
function VaultCard() {
  const status = useVaultStatus();
  const s = status.data;
  return (
    <section className="card vault-card" aria-labelledby="vault-title" data-testid="vault-status">
      <h2 id="vault-title">Vault key</h2>
      {status.isPending ? (
        <p className="muted">Reading the vault…</p>
      ) : status.isError || !s ? (
        <p className="field-error" role="alert">
          Could not read the vault status: {toApiError(status.error).message}
        </p>
      ) : (
        <>
          <div className={`listener-state ${s.ready ? 'ok' : 'down'}`} role="status" data-testid="vault-state">
            <span className={`state-dot ${s.ready ? 'ok' : 'down'}`} aria-hidden="true" />
            <span>
              {s.source ? (
                <>
                  <strong data-testid="vault-source">{SOURCES[s.source] ?? s.source}</strong>: {s.description}
                </>
              ) : (
                <strong data-testid="vault-source">No key source available</strong>
              )}
              {s.ready ? ' — ready' : ''}
            </span>
          </div>
          {s.fingerprint && (
            <p className="muted small">
              Data key fingerprint <code>{s.fingerprint}</code>
            </p>
          )}
          {s.problem && (
            <p className="field-error" data-testid="vault-problem">
              {s.problem}
            </p>
          )}
          {!s.source && <NoKeySource />}
          {s.undecryptable > 0 && (
            <p className="notice">
              {s.undecryptable} credential{s.undecryptable === 1 ? '' : 's'} cannot be decrypted with this key: edit
              each and enter its secrets again, or restore the right key with <code>hookline vault recover</code>.
            </p>
          )}
          <RecoveryKitSection status={s} />
        </>
      )}
    </section>
  );
}

/** No keychain, no key file, no environment variable: the ways to give the vault a key. */
function NoKeySource() {
  const api = useApi();
  const client = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const next = await api.createKeyFile();
      client.setQueryData(keys.vaultStatus, next);
      toast.success(`The vault keeps its data key in ${next.description}`);
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="no-key-source" data-testid="no-key-source">
      <p>Credentials cannot be saved until the vault has a place for its data key. Either:</p>
      <ul>
        <li>
          create a key file in the data folder, readable only by you (for a machine without a keychain):{' '}
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void create()}>
            Create a key file
          </button>
        </li>
        <li>
          or start Hookline with <code>HOOKLINE_MASTER_KEY</code> set to a 64-hex-digit key;
        </li>
        <li>or unlock the desktop keychain (Secret Service, Keychain, Credential Manager) and reload.</li>
      </ul>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The recovery kit: shown once per data key, after a warning, for the user to write down. */
function RecoveryKitSection({ status }: { status: VaultStatus }) {
  const api = useApi();
  const client = useQueryClient();
  const [kit, setKit] = useState<RecoveryKit | null>(null);
  const [busy, setBusy] = useState(false);

  const show = async () => {
    const ok = await confirmAction({
      title: 'Show the recovery kit?',
      message:
        'The recovery kit is the vault’s data key as a phrase. It is shown only once: write it down on paper and keep it somewhere safe. With it, `hookline vault recover` restores every credential on another machine; anyone who has it and a copy of your data can read your secrets.',
      confirmLabel: 'Show it once',
    });
    if (!ok) return;
    setBusy(true);
    try {
      setKit(await api.recoveryKit());
    } catch (e) {
      toast.error(e, 'Could not show the recovery kit');
    } finally {
      setBusy(false);
      void client.invalidateQueries({ queryKey: keys.vaultStatus });
    }
  };

  return (
    <div className="recovery-kit" data-testid="recovery-kit">
      <h3>Recovery kit</h3>
      {status.recoveryKitShownAt ? (
        <p className="muted">
          Shown {formatDateTime(status.recoveryKitShownAt)}. It is shown once per key: for a new one, rotate the key
          with <code>hookline vault rotate-key</code>.
        </p>
      ) : (
        <>
          <p className="muted">
            Without the data key the vault cannot be opened. The recovery kit restores it on another machine, or here if
            the keychain or key file is lost.
          </p>
          <button type="button" className="btn" disabled={busy || !status.ready} onClick={() => void show()}>
            Show recovery kit…
          </button>
        </>
      )}
      {kit && (
        <Dialog title="Recovery kit" role="alertdialog" onClose={() => setKit(null)} testId="recovery-kit-dialog">
          <p className="notice">
            Write this down now and keep it somewhere safe. It will not be shown again; closing this dialog forgets it.
          </p>
          <p className="recovery-phrase mono" data-testid="recovery-phrase">
            {kit.phrase}
          </p>
          {kit.fingerprint && (
            <p className="muted small">
              It restores the data key with fingerprint <code>{kit.fingerprint}</code>.
            </p>
          )}
          <div className="row">
            <button type="button" className="btn btn-primary" onClick={() => setKit(null)}>
              I have written it down
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}
