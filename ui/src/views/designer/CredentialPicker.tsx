import { useState } from 'react';

import { useCredentials } from '../../lib/queries';
import { Plus } from '../../lib/uiIcons';
import { CredentialDialog } from '../credentials/CredentialDialog';
import { domId } from './formParts';

/**
 * The step's credential: one of the vault's credentials of the kinds the
 * component accepts, or a new one created in a dialog without leaving the
 * flow (as the elastic.io tutorial's "Create new credentials"); once saved,
 * the new credential is the step's.
 */
export function CredentialPicker({
  stepId,
  kinds,
  value,
  onChange,
}: {
  stepId: string;
  kinds: string[];
  value: string | null;
  onChange: (name: string | null) => void;
}) {
  const credentials = useCredentials();
  const [creating, setCreating] = useState(false);
  const id = domId('credential', stepId);
  const usable = (credentials.data ?? []).filter((c) => kinds.includes(c.kind));
  const missing = value !== null && !usable.some((c) => c.name === value);
  return (
    <div className="form-field">
      <label className="field-label" htmlFor={id}>
        Credential
      </label>
      <div className="row">
        <select
          id={id}
          className="input"
          value={value ?? ''}
          data-field="credential"
          onChange={(e) => onChange(e.target.value || null)}
        >
          <option value="">None</option>
          {usable.map((c) => (
            <option key={c.id} value={c.name}>
              {c.name} ({c.kind}){c.status !== 'ok' ? ` — ${c.status}` : ''}
            </option>
          ))}
          {missing && <option value={value!}>{value} (not in the vault)</option>}
        </select>
        <button type="button" className="btn btn-small" onClick={() => setCreating(true)}>
          <Plus size={14} aria-hidden="true" /> Create new credential
        </button>
      </div>
      <p className="field-hint">
        Accepts {kinds.join(', ')}.{' '}
        {credentials.isError
          ? `The vault could not be read: ${(credentials.error as { message?: string }).message ?? 'unknown error'}`
          : usable.length === 0 && !credentials.isPending
            ? 'No credential of these kinds yet: create one here.'
            : ''}
      </p>
      {creating && (
        <CredentialDialog
          mode={{ type: 'create', kinds }}
          onClose={() => setCreating(false)}
          onSaved={(credential) => onChange(credential.name)}
        />
      )}
    </div>
  );
}
