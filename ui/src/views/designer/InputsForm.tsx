import { useMemo, useState } from 'react';

import type { DeclaredField } from '../../bindings/DeclaredField';
import type { FieldPreview } from '../../bindings/FieldPreview';
import type { Input } from '../../bindings/Input';
import { convertInput, expression, isExpression, literal, modeOf, type InputMode, type Inputs } from '../../lib/inputs';
import { describeFields, validateValue, type FieldSpec } from '../../lib/jsonSchema';
import type { LocatedProblem } from '../../lib/problems';
import { TriangleAlert } from '../../lib/uiIcons';
import { ExpressionEditor, LiteralWidget } from './fields';
import { domId, FieldShell, ModeToggle, problemFor, type StepUpdate } from './formParts';
import { FieldFlag } from './stepPreview';
import { SubFields } from './SubFields';

export function InputsForm({
  stepId,
  schema,
  inputs,
  declared,
  problems,
  flags,
  onSet,
  onUpdate,
}: {
  stepId: string;
  schema: unknown;
  inputs: Inputs;
  declared: DeclaredField[] | undefined;
  problems: LocatedProblem[];
  /** The core's preview of each mapped field, by field key. */
  flags: Map<string, FieldPreview>;
  onSet: (key: string, input: Input | undefined) => void;
  onUpdate: StepUpdate;
}) {
  const fields = useMemo(() => describeFields(schema), [schema]);
  const known = new Set(fields.map((f) => f.key));
  const strays = Object.keys(inputs).filter((k) => !known.has(k.split('.')[0]!));
  if (fields.length === 0 && strays.length === 0) return <p className="muted small">This action takes no inputs.</p>;
  return (
    <>
      {fields.map((spec) => (
        <InputField
          key={spec.key}
          stepId={stepId}
          spec={spec}
          inputs={inputs}
          problems={problems}
          flag={flags.get(spec.key)}
          onChange={onSet}
          subFields={
            spec.openObject ? (
              <SubFields
                stepId={stepId}
                spec={spec}
                inputs={inputs}
                declared={declared}
                problems={problems}
                flags={flags}
                onChange={onSet}
                onUpdate={onUpdate}
              />
            ) : undefined
          }
        />
      ))}
      {strays.map((key) => (
        <div className="form-field" key={key}>
          <p className="field-error">
            <TriangleAlert size={13} aria-hidden="true" /> <code>{key}</code> is not an input of this component.
          </p>
          <button type="button" className="btn btn-small" onClick={() => onSet(key, undefined)}>
            Remove {key}
          </button>
        </div>
      ))}
    </>
  );
}

export function InputField({
  stepId,
  spec,
  inputs,
  problems,
  flag,
  onChange,
  subFields,
}: {
  stepId: string;
  spec: FieldSpec;
  inputs: Inputs;
  problems: LocatedProblem[];
  flag?: FieldPreview;
  onChange: (key: string, input: Input | undefined) => void;
  subFields?: React.ReactNode;
}) {
  const input = inputs[spec.key];
  const [localMode, setLocalMode] = useState<InputMode>(spec.kind === 'boolean' && spec.required ? 'expr' : 'literal');
  const mode = modeOf(input) ?? localMode;
  const id = domId('in', stepId, spec.key);
  const local = input && !isExpression(input) ? validateValue(spec.schema, input.value) : [];
  const describedBy = spec.description || spec.default !== undefined ? `${id}-hint` : undefined;
  const problem = problemFor(problems, 'inputs', spec.key) ?? local[0] ?? null;

  return (
    <FieldShell
      id={id}
      spec={spec}
      problem={problem}
      toolbar={
        <ModeToggle
          mode={mode}
          label={spec.title}
          onToggle={() => {
            const to: InputMode = mode === 'literal' ? 'expr' : 'literal';
            setLocalMode(to);
            onChange(spec.key, convertInput(input, to));
          }}
        />
      }
      hint={
        <>
          {!problem && <FieldFlag preview={flag} />}
          {subFields}
        </>
      }
    >
      {mode === 'expr' ? (
        <ExpressionEditor
          id={id}
          label={spec.title}
          value={isExpression(input) ? input.expr : ''}
          dataField={`inputs:${spec.key}`}
          describedBy={describedBy}
          onChange={(text) => onChange(spec.key, text === '' ? undefined : expression(text))}
        />
      ) : (
        <LiteralWidget
          id={id}
          spec={spec}
          label={spec.title}
          value={input && !isExpression(input) ? input.value : undefined}
          dataField={`inputs:${spec.key}`}
          describedBy={describedBy}
          invalid={local.length > 0}
          onChange={(value) => onChange(spec.key, value === undefined ? undefined : literal(value))}
        />
      )}
    </FieldShell>
  );
}
