import { useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState, type FormEvent } from 'react';

import type { CredentialFieldSchema } from '../../bindings/CredentialFieldSchema';
import type { CredentialView } from '../../bindings/CredentialView';
import { Dialog } from '../../components/Dialog';
import { useApi } from '../../lib/apiContext';
import { keys, useCredentialKinds } from '../../lib/queries';
import { toast } from '../../lib/toast';
import { toApiError } from '../../platform/types';
import { RequiredMark, domId } from '../designer/formParts';
import { initialValues, missingRequired, toArgs, type FormValues } from './credentialForm';
import { VerifyControl } from './VerifyControl';

export type CredentialDialogMode =
  /** A new credential, of one of `kinds` (every kind when absent). */
  { type: 'create'; kinds?: string[] } | { type: 'edit'; credential: CredentialView };

/**
 * Creates or edits a credential with a form generated from its kind's
 * fields. Secrets are typed into password inputs and never shown again:
 * once saved, the dialog shows their masks and offers Verify, and an edit
 * form leaves them blank, meaning "keep the saved one".
 */
export function CredentialDialog({
  mode,
  onClose,
  onSaved,
}: {
  mode: CredentialDialogMode;
  onClose: () => void;
  /** Called once the core has saved it, with what it answered (secrets masked). */
  onSaved?: (credential: CredentialView) => void;
}) {
  const api = useApi();
  const client = useQueryClient();
  const kinds = useCredentialKinds();
  const editing = mode.type === 'edit' ? mode.credential : null;
  const offered = useMemo(
    () =>
      (kinds.data ?? []).filter((k) =>
        mode.type === 'edit' ? k.kind === mode.credential.kind : !mode.kinds || mode.kinds.includes(k.kind),
      ),
    [kinds.data, mode],
  );
  const [name, setName] = useState(editing?.name ?? '');
  const [chosenKind, setKind] = useState<string | null>(editing?.kind ?? null);
  const kind = offered.find((k) => k.kind === chosenKind) ?? offered[0] ?? null;
  const [values, setValues] = useState<FormValues | null>(null);
  const fields = kind?.fields ?? [];
  const current = values ?? initialValues(fields, editing ?? undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<CredentialView | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  // Blank secrets keep the saved ones, which only works while they open; one
  // that cannot be decrypted takes every secret again.
  const keepsSecrets = editing !== null && editing.status === 'ok';
  const missing = missingRequired(fields, current, keepsSecrets);
  const canSave = !busy && kind !== null && name.trim() !== '' && missing.length === 0;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!kind || !canSave) return;
    setBusy(true);
    setError(null);
    const args = toArgs(fields, current);
    try {
      const view = editing
        ? await api.editCredential({ name: editing.name, ...args })
        : await api.createCredential({ name: name.trim(), kind: kind.kind, ...args });
      // The typed secrets leave the page's state with the form.
      setValues(initialValues(fields, view));
      setSaved(view);
      client.setQueryData<CredentialView[]>(keys.credentials, (list) =>
        list ? [...list.filter((c) => c.name !== view.name), view] : list,
      );
      void client.invalidateQueries({ queryKey: keys.credentials });
      void client.invalidateQueries({ queryKey: keys.vaultStatus });
      toast.success(`${editing ? 'Saved' : 'Created'} credential ${view.name}`);
      onSaved?.(view);
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };

  const title = editing ? `Edit ${editing.name}` : 'New credential';
  if (saved) {
    return (
      <Dialog
        title={title}
        onClose={onClose}
        testId="credential-dialog"
        footer={
          <button type="button" className="btn btn-primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <div className="credential-saved" data-testid="credential-saved">
          <p>
            <strong>{saved.name}</strong> is saved in the vault ({kind?.title ?? saved.kind}).
          </p>
          {Object.keys(saved.secrets).length > 0 && (
            <p className="muted">
              Its secrets are stored encrypted and are never shown again:{' '}
              {Object.entries(saved.secrets).map(([field, mask], i) => (
                <span key={field}>
                  {i > 0 && ', '}
                  {fields.find((f) => f.name === field)?.title ?? field} <code>{mask}</code>
                </span>
              ))}
              .
            </p>
          )}
          <p className="muted">Check it against the real service now:</p>
          <VerifyControl name={saved.name} />
        </div>
      </Dialog>
    );
  }

  const basic = fields.filter((f) => !f.advanced);
  const advanced = fields.filter((f) => f.advanced);
  return (
    <Dialog
      title={title}
      onClose={onClose}
      wide
      testId="credential-dialog"
      initialFocus={editing ? undefined : nameRef}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="credential-form" className="btn btn-primary" disabled={!canSave}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      {kinds.isPending ? (
        <p className="muted">Loading the credential kinds…</p>
      ) : kinds.isError ? (
        <p className="field-error" role="alert">
          Could not read the credential kinds: {toApiError(kinds.error).message}
        </p>
      ) : (
        <form id="credential-form" className="credential-form" onSubmit={(e) => void submit(e)} autoComplete="off">
          <div className="form-field">
            <label className="field-label" htmlFor="credential-name">
              Name
              <RequiredMark />
            </label>
            <input
              id="credential-name"
              ref={nameRef}
              className="input"
              value={name}
              disabled={editing !== null}
              onChange={(e) => setName(e.target.value)}
              placeholder="Petstore API"
            />
            <p className="field-hint">
              {editing
                ? 'Flows name credentials, so the name stays.'
                : 'Flows refer to the credential by this name; the secrets stay in the vault.'}
            </p>
          </div>
          <div className="form-field">
            <label className="field-label" htmlFor="credential-kind">
              Kind
            </label>
            <select
              id="credential-kind"
              className="input"
              value={kind?.kind ?? ''}
              disabled={editing !== null}
              onChange={(e) => {
                setKind(e.target.value);
                setValues(null);
                setError(null);
              }}
            >
              {offered.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.title}
                </option>
              ))}
            </select>
            {kind && fields.length === 0 && <p className="field-hint">{kind.title} has nothing to fill in.</p>}
            {editing && !keepsSecrets && (
              <p className="notice" data-testid="enter-secrets-again">
                The saved secrets cannot be opened ({editing.problem ?? editing.status}): enter each of them again.
              </p>
            )}
          </div>
          {basic.map((field) => (
            <CredentialField
              key={`${kind?.kind}-${field.name}`}
              field={field}
              value={current[field.name]!}
              editing={keepsSecrets}
              mask={editing?.secrets[field.name]}
              onChange={(value) => setValues({ ...current, [field.name]: value })}
            />
          ))}
          {advanced.length > 0 && (
            <details className="credential-advanced">
              <summary>More options</summary>
              {advanced.map((field) => (
                <CredentialField
                  key={`${kind?.kind}-${field.name}`}
                  field={field}
                  value={current[field.name]!}
                  editing={keepsSecrets}
                  onChange={(value) => setValues({ ...current, [field.name]: value })}
                />
              ))}
            </details>
          )}
          {missing.length > 0 && name.trim() !== '' && (
            <p className="field-hint" data-testid="credential-missing">
              Still needed: {missing.join(', ')}.
            </p>
          )}
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
    </Dialog>
  );
}

function CredentialField({
  field,
  value,
  editing,
  mask,
  onChange,
}: {
  field: CredentialFieldSchema;
  value: string | boolean;
  editing: boolean;
  mask?: string;
  onChange: (value: string | boolean) => void;
}) {
  const id = domId('credential-field', field.name);
  const required = field.required && !(editing && field.secret);
  if (field.type === 'flag') {
    return (
      <div className="form-field">
        <label className="checkbox-label" htmlFor={id}>
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />{' '}
          {field.title}
        </label>
        <p className="field-hint">{field.description}</p>
      </div>
    );
  }
  const text = typeof value === 'string' ? value : '';
  return (
    <div className="form-field">
      <label className="field-label" htmlFor={id}>
        {field.title}
        {required && <RequiredMark />}
      </label>
      {field.type === 'choice' ? (
        <select
          id={id}
          className="input"
          value={text}
          onChange={(e) => onChange(e.target.value)}
          data-field={field.name}
        >
          <option value="">{field.required ? 'Choose…' : 'Default'}</option>
          {field.options.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          className={`input${field.secret ? '' : ' mono'}`}
          type={field.secret ? 'password' : field.type === 'url' ? 'url' : 'text'}
          inputMode={field.type === 'seconds' ? 'numeric' : undefined}
          autoComplete={field.secret ? 'new-password' : 'off'}
          value={text}
          data-field={field.name}
          placeholder={
            field.secret && editing
              ? 'Leave blank to keep the saved value'
              : field.type === 'text_list' || field.type === 'host_list'
                ? 'Comma-separated'
                : undefined
          }
          onChange={(e) => onChange(e.target.value)}
        />
      )}
      <p className="field-hint">
        {field.description}
        {field.secret && (
          <>
            {' '}
            Write-only: stored encrypted, never shown again
            {editing && mask ? (
              <>
                {' '}
                (saved: <code>{mask}</code>)
              </>
            ) : null}
            .
          </>
        )}
      </p>
    </div>
  );
}
