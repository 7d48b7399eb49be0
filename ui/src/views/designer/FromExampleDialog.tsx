import { useState } from 'react';

import type { FieldType } from '../../bindings/FieldType';
import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import { Dialog } from '../../components/Dialog';
import { typeOfExample } from '../../lib/inputs';
import { JsonEditor, type JsonCheck } from './JsonEditor';

/** The top-level keys of an example JSON object that are not fields yet, each with the type its value suggests. */
export function exampleKeys(value: JsonValue | undefined, field: string, existing: string[]): [string, FieldType][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value)
    .filter(([k]) => k.trim() !== '' && !k.includes('.') && !existing.includes(`${field}.${k}`))
    .map(([k, v]) => [k, typeOfExample(v)]);
}

export function FromExampleDialog({
  field,
  existing,
  onAdd,
  onClose,
}: {
  field: string;
  existing: string[];
  onAdd: (found: [string, FieldType][]) => void;
  onClose: () => void;
}) {
  const [check, setCheck] = useState<JsonCheck>({ text: '', error: null });
  const isObject =
    check.value !== undefined && typeof check.value === 'object' && check.value !== null && !Array.isArray(check.value);
  const found = exampleKeys(check.value, field, existing);
  return (
    <Dialog
      title={`${field} fields from example JSON`}
      onClose={onClose}
      testId="from-example"
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={found.length === 0} onClick={() => onAdd(found)}>
            Add {found.length} field{found.length === 1 ? '' : 's'}
          </button>
        </>
      }
    >
      <p className="muted small">
        Paste an example object: each top-level key becomes a <code>{field}.&lt;key&gt;</code> field to map, typed after
        its value.
      </p>
      <JsonEditor
        label={`Example ${field} JSON`}
        initial=""
        onChange={setCheck}
        testId="example-editor"
        autoFocus
        placeholder='{"name": "Gromit", "status": "available"}'
      />
      {check.value !== undefined && !isObject && <p className="field-error">The example must be a JSON object.</p>}
      {isObject && found.length > 0 && (
        <p className="small" data-testid="example-keys">
          Adds {found.map(([n, t]) => `${field}.${n} (${t})`).join(', ')}
        </p>
      )}
      {isObject && found.length === 0 && <p className="muted small">Every key is already a field.</p>}
    </Dialog>
  );
}
