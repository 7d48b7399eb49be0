import { useState } from 'react';

import type { DeclaredField } from '../../bindings/DeclaredField';
import type { FieldType } from '../../bindings/FieldType';
import type { Input } from '../../bindings/Input';
import { findField } from '../../lib/dom';
import {
  checkSubFieldName,
  convertInput,
  declaredUnder,
  expression,
  isExpression,
  literal,
  modeOf,
  schemaOfType,
  subFieldKeys,
  withDeclared,
  withoutDeclared,
  type InputMode,
  type Inputs,
} from '../../lib/inputs';
import type { FieldPreview } from '../../bindings/FieldPreview';
import { validateValue, type FieldSpec } from '../../lib/jsonSchema';
import type { LocatedProblem } from '../../lib/problems';
import { Braces, Plus, TriangleAlert, X } from '../../lib/uiIcons';
import { ExpressionEditor, LenientInput } from './fields';
import { domId, ModeToggle, problemFor, RequiredMark, TypeSelect, type StepUpdate } from './formParts';
import { FromExampleDialog } from './FromExampleDialog';
import { FieldFlag } from './stepPreview';

/**
 * The fields of an open object input (`body.name`, `headers.X-Api-Key`):
 * declared ones, each with a type and a required mark, in declared order,
 * then inputs set below the field without a declaration.
 */
export function SubFields({
  stepId,
  spec,
  inputs,
  declared,
  problems,
  flags,
  onChange,
  onUpdate,
}: {
  stepId: string;
  spec: FieldSpec;
  inputs: Inputs;
  declared: DeclaredField[] | undefined;
  problems: LocatedProblem[];
  /** The core's preview of each mapped field, by field key. */
  flags: Map<string, FieldPreview>;
  onChange: (key: string, input: Input | undefined) => void;
  onUpdate: StepUpdate;
}) {
  const own = declaredUnder(declared, spec.key);
  const keys = [
    ...own.map((d) => d.field),
    ...subFieldKeys(inputs, spec.key).filter((k) => !own.some((d) => d.field === k)),
  ];
  const [adding, setAdding] = useState(false);
  const [fromExample, setFromExample] = useState(false);
  const [name, setName] = useState('');
  const [type, setType] = useState<FieldType>('string');
  const [required, setRequired] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const nameId = domId('sub-new', stepId, spec.key);
  const lower = spec.title.toLowerCase();
  const declare = (fields: DeclaredField[], key?: string) =>
    onUpdate((s) => ({ ...s, fields: fields.reduce(withDeclared, s.fields ?? []) }), key);
  const add = () => {
    const problem = checkSubFieldName(name, keys, spec.key);
    if (problem) {
      setError(problem);
      return;
    }
    const key = `${spec.key}.${name.trim()}`;
    declare([{ field: key, type, required }]);
    setName('');
    setType('string');
    setRequired(false);
    setError(null);
    setAdding(false);
    // Focus the new field's editor once it is rendered.
    setTimeout(() => findField(document, `inputs:${key}`)?.focus(), 0);
  };
  const cancel = () => {
    setAdding(false);
    setName('');
    setError(null);
  };
  const remove = (key: string) =>
    onUpdate((s) => {
      const { fields, inputs: before, ...rest } = s;
      const inputs = Object.fromEntries(
        Object.entries(before ?? {}).filter(([k]) => k !== key && !k.startsWith(`${key}.`)),
      );
      const left = withoutDeclared(fields, key);
      return { ...rest, inputs, ...(left.length > 0 ? { fields: left } : {}) };
    });
  const actions = (
    <div className="subfield-actions">
      <button type="button" className="link-btn" onClick={() => setAdding(true)}>
        <Plus size={13} aria-hidden="true" /> Add {lower} field
      </button>
      <button
        type="button"
        className="link-btn"
        aria-label={`From example JSON: ${spec.title} fields`}
        onClick={() => setFromExample(true)}
      >
        <Braces size={13} aria-hidden="true" /> From example JSON
      </button>
      {fromExample && (
        <FromExampleDialog
          field={spec.key}
          existing={keys}
          onClose={() => setFromExample(false)}
          onAdd={(found) => {
            declare(found.map(([n, t]) => ({ field: `${spec.key}.${n}`, type: t })));
            setFromExample(false);
          }}
        />
      )}
    </div>
  );
  return (
    <div className="subfields" aria-label={`${spec.title} fields`} role="group">
      {keys.map((key) => (
        <SubField
          key={key}
          stepId={stepId}
          fieldKey={key}
          input={inputs[key]}
          declared={own.find((d) => d.field === key)}
          problem={problemFor(problems, 'inputs', key)}
          flag={flags.get(key)}
          onChange={onChange}
          onDeclare={(d) => declare([d], `fields:${key}`)}
          onRemove={() => remove(key)}
        />
      ))}
      {adding ? (
        <div className="subfield-add">
          <input
            id={nameId}
            className="input"
            value={name}
            autoFocus
            placeholder="field name"
            aria-label={`New ${lower} field name`}
            aria-invalid={error ? true : undefined}
            onChange={(e) => {
              setName(e.target.value);
              setError(null);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                add();
              } else if (e.key === 'Escape') {
                e.preventDefault();
                e.stopPropagation();
                cancel();
              }
            }}
          />
          <TypeSelect label={`Type of the new ${lower} field`} value={type} onChange={setType} />
          <label className="checkbox small">
            <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} /> Required
          </label>
          <button type="button" className="btn btn-small" onClick={add}>
            Add
          </button>
          <button type="button" className="btn btn-small" onClick={cancel}>
            Cancel
          </button>
        </div>
      ) : (
        actions
      )}
      {error && <p className="field-error">{error}</p>}
    </div>
  );
}

export function SubField({
  stepId,
  fieldKey,
  input,
  declared,
  problem,
  flag,
  onChange,
  onDeclare,
  onRemove,
}: {
  stepId: string;
  fieldKey: string;
  input: Input | undefined;
  declared: DeclaredField | undefined;
  problem: string | null;
  flag?: FieldPreview;
  onChange: (key: string, input: Input | undefined) => void;
  onDeclare: (declared: DeclaredField) => void;
  onRemove: () => void;
}) {
  const id = domId('in', stepId, fieldKey);
  const [localMode, setLocalMode] = useState<InputMode>('expr');
  const mode = modeOf(input) ?? localMode;
  const type = declared?.type ?? 'any';
  const required = declared?.required === true;
  const local = input && !isExpression(input) ? validateValue(schemaOfType(type), input.value) : [];
  return (
    <div className="subfield" data-testid="subfield" data-key={fieldKey}>
      <div className="field-head">
        <label className="field-label mono" htmlFor={id}>
          {fieldKey}
          {required && <RequiredMark />}
        </label>
        <TypeSelect
          label={`Type of ${fieldKey}`}
          value={type}
          onChange={(t) => onDeclare({ field: fieldKey, type: t, required })}
        />
        <label
          className="checkbox small"
          title="A run fails, and publishing is refused, while a required field maps to nothing"
        >
          <input
            type="checkbox"
            aria-label={`${fieldKey} is required`}
            checked={required}
            onChange={(e) => onDeclare({ field: fieldKey, type, required: e.target.checked })}
          />{' '}
          Req.
        </label>
        <ModeToggle
          mode={mode}
          label={fieldKey}
          onToggle={() => {
            const to: InputMode = mode === 'expr' ? 'literal' : 'expr';
            setLocalMode(to);
            onChange(fieldKey, convertInput(input, to));
          }}
        />
        <button type="button" className="icon-btn" aria-label={`Remove ${fieldKey}`} onClick={onRemove}>
          <X size={14} aria-hidden="true" />
        </button>
      </div>
      {mode === 'expr' ? (
        <ExpressionEditor
          id={id}
          label={fieldKey}
          value={isExpression(input) ? input.expr : ''}
          dataField={`inputs:${fieldKey}`}
          onChange={(text) => onChange(fieldKey, text === '' ? undefined : expression(text))}
        />
      ) : (
        <LenientInput
          id={id}
          label={fieldKey}
          value={input && !isExpression(input) ? input.value : undefined}
          dataField={`inputs:${fieldKey}`}
          onChange={(value) => onChange(fieldKey, value === '' ? undefined : literal(value))}
        />
      )}
      {(problem ?? local[0]) ? (
        <p className="field-error" role="status">
          <TriangleAlert size={13} aria-hidden="true" /> {problem ?? local[0]}
        </p>
      ) : (
        <FieldFlag preview={flag} />
      )}
    </div>
  );
}
