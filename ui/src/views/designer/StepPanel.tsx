import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';

import type { ComponentDescriptor } from '../../bindings/ComponentDescriptor';
import type { DeclaredField } from '../../bindings/DeclaredField';
import type { FieldType } from '../../bindings/FieldType';
import type { Input } from '../../bindings/Input';
import type { Step } from '../../bindings/Step';
import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import { useEditor } from '../../editor/store';
import { useApi } from '../../lib/apiContext';
import { confirmAction } from '../../lib/confirm';
import { findField } from '../../lib/dom';
import { copyWithToast } from '../../lib/exports';
import { ComponentIcon } from '../../lib/icons';
import { Dialog } from '../../components/Dialog';
import {
  checkSubFieldName,
  convertInput,
  declaredUnder,
  expression,
  FIELD_TYPES,
  isExpression,
  literal,
  modeOf,
  schemaOfType,
  subFieldKeys,
  typeOfExample,
  withConfigValue,
  withDeclared,
  withInput,
  withoutDeclared,
  type InputMode,
  type Inputs,
} from '../../lib/inputs';
import { describeDefault, describeFields, validateValue, type FieldSpec } from '../../lib/jsonSchema';
import type { LocatedProblem } from '../../lib/problems';
import { useCredentials } from '../../lib/queries';
import { Braces, Copy, Plus, SquareFunction, Trash2, TriangleAlert, X } from '../../lib/uiIcons';
import { ExpressionEditor, JsonWidget, LenientInput, LiteralWidget } from './fields';
import { JsonEditor, type JsonCheck } from './JsonEditor';
import { ActionSample, TriggerSamples, useStepSaved } from './SamplesSection';

// The mapping editor (with its JSONata completion) loads when first opened.
const MappingEditor = lazy(() => import('./MappingEditor').then((m) => ({ default: m.MappingEditor })));

const domId = (...parts: string[]) => parts.join('-').replace(/[^A-Za-z0-9_-]/g, '_');

export function StepPanel({ stepId, component }: { stepId: string; component: ComponentDescriptor | undefined }) {
  const step = useEditor((s) => s.nodes.find((n) => n.id === stepId)?.data.step);
  const updateStep = useEditor((s) => s.updateStep);
  const deleteElements = useEditor((s) => s.deleteElements);
  const allProblems = useEditor((s) => s.problems);
  const focusRequest = useEditor((s) => s.focusRequest);
  const flowId = useEditor((s) => s.flowId);
  const saved = useStepSaved(flowId, stepId);
  const [mapping, setMapping] = useState(false);
  const api = useApi();
  const root = useRef<HTMLDivElement>(null);
  const problems = useMemo(() => allProblems.filter((p) => p.stepId === stepId), [allProblems, stepId]);

  // Jump to the field a problem names.
  useEffect(() => {
    if (!focusRequest || focusRequest.stepId !== stepId || !root.current) return;
    const target =
      (focusRequest.field ? findField(root.current, focusRequest.field) : null) ??
      root.current.querySelector<HTMLElement>('input, textarea, select');
    if (target) {
      target.scrollIntoView({ block: 'center' });
      target.focus();
    }
  }, [focusRequest, stepId]);

  if (!step) return null;
  const trigger = component?.kind === 'trigger';
  const update = (change: (s: Step) => Step, key?: string) => updateStep(stepId, change, key);

  const onDelete = async () => {
    const ok = await confirmAction({
      title: `Delete ${step.name}?`,
      message: 'The step and its connections are removed from the draft. You can undo this.',
      confirmLabel: 'Delete step',
      danger: true,
    });
    if (ok) deleteElements([stepId], []);
  };

  return (
    <div className="step-panel" ref={root} data-testid="step-panel">
      <header className="step-panel-header">
        <span className="step-panel-icon">
          <ComponentIcon name={component?.icon ?? ''} size={20} />
        </span>
        <div>
          <div className="step-panel-kind">{component?.title ?? step.component}</div>
          <div className="muted small">{component?.description ?? `Unknown component ${step.component}`}</div>
        </div>
      </header>

      <section className="panel-section" aria-label="Summary">
        <label className="field-label" htmlFor={domId('step-name', stepId)}>
          Step name
        </label>
        <input
          id={domId('step-name', stepId)}
          className="input"
          value={step.name}
          data-field="name"
          onChange={(e) => update((s) => ({ ...s, name: e.target.value }), 'name')}
        />
        <label className="field-label" htmlFor={domId('step-note', stepId)}>
          Note
        </label>
        <textarea
          id={domId('step-note', stepId)}
          className="input"
          rows={2}
          value={step.note ?? ''}
          placeholder="What this step is for"
          onChange={(e) =>
            update(({ note: _old, ...rest }) => (e.target.value ? { ...rest, note: e.target.value } : rest), 'note')
          }
        />
        <div className="step-id">
          <span className="muted small">Step id</span> <code data-testid="step-id">{stepId}</code>
          <button
            type="button"
            className="icon-btn"
            aria-label="Copy step id"
            title={`Use as $steps.${stepId}`}
            onClick={() => void copyWithToast(api, stepId, 'Step id')}
          >
            <Copy size={13} aria-hidden="true" />
          </button>
        </div>
      </section>

      {problems.length > 0 && (
        <section className="panel-section problems-inline" aria-label="Problems of this step">
          {problems.map((p, i) => (
            <p key={i} className="field-error">
              <TriangleAlert size={13} aria-hidden="true" /> {p.message}
            </p>
          ))}
        </section>
      )}

      {component && trigger && (
        <section className="panel-section" aria-labelledby={domId('config-title', stepId)}>
          <h3 id={domId('config-title', stepId)}>Configuration</h3>
          <ConfigForm
            stepId={stepId}
            schema={component.configSchema}
            config={step.config}
            problems={problems}
            onChange={(config, key) => update((s) => ({ ...s, config }), `config:${key}`)}
          />
        </section>
      )}

      {component && !trigger && (
        <section className="panel-section" aria-labelledby={domId('inputs-title', stepId)}>
          <div className="section-head">
            <h3 id={domId('inputs-title', stepId)}>Inputs</h3>
            {flowId && (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => setMapping(true)}
                title="Map sample fields of earlier steps onto these inputs, with live preview"
              >
                <SquareFunction size={14} aria-hidden="true" /> Map fields
              </button>
            )}
          </div>
          <p className="muted small">
            Each input is a literal value or a JSONata expression over the trigger&apos;s output (
            <code>body.field</code>, <code>$trigger.body.field</code>) and earlier steps (<code>$steps.&lt;id&gt;</code>
            ).
          </p>
          <InputsForm
            stepId={stepId}
            schema={component.inputSchema}
            inputs={step.inputs ?? {}}
            declared={step.fields}
            problems={problems}
            onSet={(key, input) => update((s) => ({ ...s, inputs: withInput(s.inputs, key, input) }), `inputs:${key}`)}
            onUpdate={update}
          />
        </section>
      )}

      {component && component.credentialKinds.length > 0 && (
        <section className="panel-section" aria-labelledby={domId('credential-title', stepId)}>
          <h3 id={domId('credential-title', stepId)}>Credential</h3>
          <CredentialPicker
            stepId={stepId}
            kinds={component.credentialKinds}
            value={step.credential ?? null}
            onChange={(credential) =>
              update(({ credential: _old, ...rest }) => (credential ? { ...rest, credential } : rest))
            }
          />
        </section>
      )}

      {component && !trigger && flowId && <ActionSample flowId={flowId} stepId={stepId} stepName={step.name} />}

      {mapping && component && flowId && (
        <Suspense fallback={null}>
          <MappingEditor flowId={flowId} stepId={stepId} component={component} onClose={() => setMapping(false)} />
        </Suspense>
      )}

      {trigger && flowId && <TriggerSamples flowId={flowId} stepId={stepId} component={step.component} />}

      {trigger && !saved && (
        <section className="panel-section" aria-labelledby={domId('sample-title', stepId)}>
          <h3 id={domId('sample-title', stepId)}>Sample output</h3>
          <p className="muted small">Used as the trigger&apos;s output when you run the flow once from here.</p>
          <JsonWidget
            id={domId('sample', stepId)}
            label="Sample output"
            spec={{ key: 'sample', title: 'Sample', kind: 'json', required: false, schema: {}, openObject: false }}
            value={step.sample ?? undefined}
            onChange={(sample) =>
              update(({ sample: _old, ...rest }) => (sample === undefined ? rest : { ...rest, sample }), 'sample')
            }
          />
          {component?.exampleOutput !== undefined && step.sample == null && (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => update((s) => ({ ...s, sample: component.exampleOutput }))}
            >
              Use the example output
            </button>
          )}
        </section>
      )}

      <footer className="panel-footer">
        <button type="button" className="btn btn-danger" onClick={() => void onDelete()}>
          <Trash2 size={15} aria-hidden="true" /> Delete step
        </button>
      </footer>
    </div>
  );
}

function problemFor(problems: LocatedProblem[], area: 'inputs' | 'config', field: string): string | null {
  return problems.find((p) => p.target.area === area && p.target.field === field)?.message ?? null;
}

function FieldShell({
  id,
  spec,
  children,
  hint,
  toolbar,
  problem,
}: {
  id: string;
  spec: FieldSpec;
  children: React.ReactNode;
  hint?: React.ReactNode;
  toolbar?: React.ReactNode;
  problem?: string | null;
}) {
  const fallback = describeDefault(spec.default);
  return (
    <div className="form-field" data-kind={spec.kind}>
      <div className="field-head">
        {spec.kind === 'boolean' || spec.kind === 'enumList' ? (
          <span className="field-label" id={`${id}-label`}>
            {spec.title}
            {spec.required && <RequiredMark />}
          </span>
        ) : (
          <label className="field-label" htmlFor={id} id={`${id}-label`}>
            {spec.title}
            {spec.required && <RequiredMark />}
          </label>
        )}
        {toolbar}
      </div>
      {children}
      {(spec.description || fallback !== null) && (
        <p className="field-hint" id={`${id}-hint`}>
          {spec.description}
          {fallback !== null && (
            <span className="field-default">
              {' '}
              Default: <code>{fallback}</code>
            </span>
          )}
        </p>
      )}
      {hint}
      {problem && (
        <p className="field-error" role="status">
          <TriangleAlert size={13} aria-hidden="true" /> {problem}
        </p>
      )}
    </div>
  );
}

function RequiredMark() {
  return (
    <span className="required" title="Required">
      <span aria-hidden="true"> *</span>
      <span className="visually-hidden"> (required)</span>
    </span>
  );
}

function ConfigForm({
  stepId,
  schema,
  config,
  problems,
  onChange,
}: {
  stepId: string;
  schema: unknown;
  config: JsonValue | null | undefined;
  problems: LocatedProblem[];
  onChange: (config: JsonValue, key: string) => void;
}) {
  const fields = useMemo(() => describeFields(schema), [schema]);
  const values = (config && typeof config === 'object' && !Array.isArray(config) ? config : {}) as Record<
    string,
    JsonValue
  >;
  if (fields.length === 0) return <p className="muted small">This trigger has nothing to configure.</p>;
  return (
    <>
      {fields.map((spec) => {
        const id = domId('cfg', stepId, spec.key);
        const value = values[spec.key];
        const local = value === undefined ? [] : validateValue(spec.schema, value);
        return (
          <FieldShell
            key={spec.key}
            id={id}
            spec={spec}
            problem={problemFor(problems, 'config', spec.key) ?? local[0] ?? null}
          >
            <LiteralWidget
              id={id}
              spec={spec}
              label={spec.title}
              value={value}
              dataField={`config:${spec.key}`}
              describedBy={spec.description || spec.default !== undefined ? `${id}-hint` : undefined}
              invalid={local.length > 0}
              onChange={(v) => onChange(withConfigValue(config, spec.key, v), spec.key)}
            />
          </FieldShell>
        );
      })}
    </>
  );
}

type StepUpdate = (change: (s: Step) => Step, key?: string) => void;

function InputsForm({
  stepId,
  schema,
  inputs,
  declared,
  problems,
  onSet,
  onUpdate,
}: {
  stepId: string;
  schema: unknown;
  inputs: Inputs;
  declared: DeclaredField[] | undefined;
  problems: LocatedProblem[];
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
          onChange={onSet}
          subFields={
            spec.openObject ? (
              <SubFields
                stepId={stepId}
                spec={spec}
                inputs={inputs}
                declared={declared}
                problems={problems}
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

function ModeToggle({ mode, label, onToggle }: { mode: InputMode; label: string; onToggle: () => void }) {
  const toExpr = mode === 'literal';
  return (
    <button
      type="button"
      className={`mode-toggle${mode === 'expr' ? ' on' : ''}`}
      aria-label={toExpr ? `Use expression for ${label}` : `Use literal for ${label}`}
      aria-pressed={mode === 'expr'}
      title={toExpr ? 'Switch to a JSONata expression' : 'Switch to a literal value'}
      onClick={onToggle}
    >
      {mode === 'expr' ? <SquareFunction size={14} aria-hidden="true" /> : <Braces size={14} aria-hidden="true" />}
      <span>{mode === 'expr' ? 'Expression' : 'Literal'}</span>
    </button>
  );
}

function InputField({
  stepId,
  spec,
  inputs,
  problems,
  onChange,
  subFields,
}: {
  stepId: string;
  spec: FieldSpec;
  inputs: Inputs;
  problems: LocatedProblem[];
  onChange: (key: string, input: Input | undefined) => void;
  subFields?: React.ReactNode;
}) {
  const input = inputs[spec.key];
  const [localMode, setLocalMode] = useState<InputMode>(spec.kind === 'boolean' && spec.required ? 'expr' : 'literal');
  const mode = modeOf(input) ?? localMode;
  const id = domId('in', stepId, spec.key);
  const local = input && !isExpression(input) ? validateValue(spec.schema, input.value) : [];
  const describedBy = spec.description || spec.default !== undefined ? `${id}-hint` : undefined;

  return (
    <FieldShell
      id={id}
      spec={spec}
      problem={problemFor(problems, 'inputs', spec.key) ?? local[0] ?? null}
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
      hint={subFields}
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

/**
 * The fields of an open object input (`body.name`, `headers.X-Api-Key`):
 * declared ones, each with a type and a required mark, in declared order,
 * then inputs set below the field without a declaration.
 */
function SubFields({
  stepId,
  spec,
  inputs,
  declared,
  problems,
  onChange,
  onUpdate,
}: {
  stepId: string;
  spec: FieldSpec;
  inputs: Inputs;
  declared: DeclaredField[] | undefined;
  problems: LocatedProblem[];
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

function TypeSelect({
  label,
  value,
  onChange,
}: {
  label: string;
  value: FieldType;
  onChange: (type: FieldType) => void;
}) {
  return (
    <select
      className="input type-select"
      aria-label={label}
      value={value}
      onChange={(e) => onChange(e.target.value as FieldType)}
    >
      {FIELD_TYPES.map((t) => (
        <option key={t} value={t}>
          {t}
        </option>
      ))}
    </select>
  );
}

/** The top-level keys of an example JSON object that are not fields yet, each with the type its value suggests. */
export function exampleKeys(value: JsonValue | undefined, field: string, existing: string[]): [string, FieldType][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.entries(value)
    .filter(([k]) => k.trim() !== '' && !k.includes('.') && !existing.includes(`${field}.${k}`))
    .map(([k, v]) => [k, typeOfExample(v)]);
}

function FromExampleDialog({
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

function SubField({
  stepId,
  fieldKey,
  input,
  declared,
  problem,
  onChange,
  onDeclare,
  onRemove,
}: {
  stepId: string;
  fieldKey: string;
  input: Input | undefined;
  declared: DeclaredField | undefined;
  problem: string | null;
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
      {(problem ?? local[0]) && (
        <p className="field-error" role="status">
          <TriangleAlert size={13} aria-hidden="true" /> {problem ?? local[0]}
        </p>
      )}
    </div>
  );
}

function CredentialPicker({
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
