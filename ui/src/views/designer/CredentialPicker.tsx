import { useCredentials } from '../../lib/queries';
import { domId } from './formParts';

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
  const id = domId('credential', stepId);
  const usable = (credentials.data ?? []).filter((c) => kinds.includes(c.kind));
  const missing = value !== null && !usable.some((c) => c.name === value);
  return (
    <div className="form-field">
      <label className="field-label" htmlFor={id}>
        Credential
      </label>
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
      <p className="field-hint">
        Accepts {kinds.join(', ')}.{' '}
        {credentials.isError
          ? `The vault could not be read: ${(credentials.error as { message?: string }).message ?? 'unknown error'}`
          : usable.length === 0 && !credentials.isPending
            ? 'No credential of these kinds yet: add one with `hookline vault add`.'
            : ''}
      </p>
    </div>
  );
}
