import { useMemo } from 'react';

import type { FieldType } from '../../bindings/FieldType';
import type { Parameter } from '../../bindings/Parameter';
import { Dialog } from '../../components/Dialog';
import { useEditor } from '../../editor/store';
import { findField } from '../../lib/dom';
import { schemaOfType } from '../../lib/inputs';
import { fieldKind, type FieldSpec } from '../../lib/jsonSchema';
import { cleanParameter, parameterProblems } from '../../lib/parameters';
import { ArrowDown, ArrowUp, Plus, TriangleAlert, X } from '../../lib/uiIcons';
import { ErrorHandlerField } from './ErrorHandlerField';
import { LiteralWidget } from './fields';
import { domId, TypeSelect } from './formParts';

const NO_PARAMETERS: Parameter[] = [];

/**
 * The spec of a parameter's default: an input of the parameter's type, and
 * for a boolean a choice that can also be "no default", which a checkbox
 * cannot say.
 */
function defaultSpec(type: FieldType): FieldSpec {
  const schema = type === 'boolean' ? { enum: [true, false] } : schemaOfType(type);
  const spec: FieldSpec = {
    key: 'default',
    title: 'Default',
    kind: fieldKind(schema),
    required: false,
    schema,
    openObject: false,
  };
  if (type === 'boolean') spec.options = [true, false];
  return spec;
}

/**
 * The flow's settings: its parameters (M4.9) and its error handler, edited
 * in the draft like any other edit: each change goes through the editor
 * store, so it marks the draft unsaved, is undone with Ctrl+Z and is saved
 * with the draft.
 */
export function ParametersDialog({ onClose }: { onClose: () => void }) {
  const parameters = useEditor((s) => s.meta.parameters ?? NO_PARAMETERS);
  const setMeta = useEditor((s) => s.setMeta);
  const problems = useMemo(() => parameterProblems(parameters), [parameters]);

  const write = (next: Parameter[], key?: string) =>
    // No parameters is no key at all, as the core writes it.
    setMeta({ parameters: next.length > 0 ? next.map(cleanParameter) : undefined }, key);
  const update = (index: number, patch: Partial<Parameter>, key: string) =>
    write(
      parameters.map((p, i) => (i === index ? { ...p, ...patch } : p)),
      `parameters:${index}:${key}`,
    );
  const move = (index: number, by: -1 | 1) => {
    const next = [...parameters];
    const [moved] = next.splice(index, 1);
    next.splice(index + by, 0, moved!);
    write(next);
  };
  const add = () => {
    write([...parameters, { name: '', default: null, overridable: false }]);
    // Focus the new row's name once it is rendered.
    setTimeout(() => findField(document, `parameters:${parameters.length}:name`)?.focus(), 0);
  };

  return (
    <Dialog
      title="Flow settings"
      onClose={onClose}
      wide
      testId="parameters-dialog"
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose}>
          Done
        </button>
      }
    >
      <h3 className="settings-heading">Parameters</h3>
      <p className="muted small">
        Values every step can read as <code>$params.&lt;name&gt;</code>. A run uses the defaults; the designer&apos;s
        Run form, <code>hookline run --param</code> and a webhook&apos;s <code>JobParameters</code> may set those marked
        overridable. Edits go into the draft: save to keep them, Ctrl+Z undoes.
      </p>
      {parameters.length === 0 && (
        <p className="muted empty-small" data-testid="parameters-empty">
          This flow has no parameters yet.
        </p>
      )}
      <ol className="parameter-list">
        {parameters.map((p, i) => {
          const id = (part: string) => domId('param', String(i), part);
          const type = p.type ?? 'any';
          const problem = problems[i]!;
          return (
            <li key={i} className="parameter-row" data-testid="parameter-row">
              <fieldset>
                <legend className="visually-hidden">Parameter {p.name || i + 1}</legend>
                <div className="parameter-head">
                  <div className="parameter-name">
                    <label className="field-label" htmlFor={id('name')}>
                      Name
                    </label>
                    <input
                      id={id('name')}
                      className="input mono"
                      value={p.name}
                      placeholder="name"
                      spellCheck={false}
                      data-field={`parameters:${i}:name`}
                      aria-invalid={problem.name ? true : undefined}
                      onChange={(e) => update(i, { name: e.target.value }, 'name')}
                    />
                  </div>
                  <div>
                    <label className="field-label" htmlFor={id('type')}>
                      Type
                    </label>
                    <TypeSelect
                      id={id('type')}
                      label="Type"
                      value={type}
                      onChange={(t) => update(i, { type: t }, 'type')}
                    />
                  </div>
                  <label className="checkbox small" title="A run needs a value: the default, or one a caller gives">
                    <input
                      type="checkbox"
                      checked={p.required === true}
                      onChange={(e) => update(i, { required: e.target.checked }, 'required')}
                    />{' '}
                    Required
                  </label>
                  <label
                    className="checkbox small"
                    title="The Run form, hookline run --param and a webhook's JobParameters may set it"
                  >
                    <input
                      type="checkbox"
                      checked={p.overridable}
                      onChange={(e) => update(i, { overridable: e.target.checked }, 'overridable')}
                    />{' '}
                    Overridable
                  </label>
                  <div className="parameter-actions">
                    <button
                      type="button"
                      className="icon-btn"
                      aria-label="Move up"
                      title="Move up"
                      disabled={i === 0}
                      onClick={() => move(i, -1)}
                    >
                      <ArrowUp size={14} aria-hidden="true" />
                    </button>
                    <button
                      type="button"
                      className="icon-btn"
                      aria-label="Move down"
                      title="Move down"
                      disabled={i === parameters.length - 1}
                      onClick={() => move(i, 1)}
                    >
                      <ArrowDown size={14} aria-hidden="true" />
                    </button>
                    <button
                      type="button"
                      className="icon-btn icon-btn-danger"
                      aria-label="Remove"
                      title="Remove"
                      onClick={() => write(parameters.filter((_, j) => j !== i))}
                    >
                      <X size={14} aria-hidden="true" />
                    </button>
                  </div>
                </div>
                {problem.name && <RowProblem text={problem.name} />}
                <label className="field-label" htmlFor={id('default')}>
                  Default
                </label>
                <LiteralWidget
                  // A new type is a new editor: text typed for the old one means nothing to it.
                  key={type}
                  id={id('default')}
                  spec={defaultSpec(type)}
                  label="Default"
                  value={p.default === null ? undefined : p.default}
                  invalid={problem.default !== undefined}
                  onChange={(v) => update(i, { default: v === undefined ? null : v }, 'default')}
                />
                {problem.default && <RowProblem text={problem.default} />}
                {problem.required && <RowProblem text={problem.required} />}
                <label className="field-label" htmlFor={id('description')}>
                  Description
                </label>
                <input
                  id={id('description')}
                  className="input"
                  value={p.description ?? ''}
                  placeholder="What it is for (shown in the Run form)"
                  onChange={(e) => update(i, { description: e.target.value }, 'description')}
                />
              </fieldset>
            </li>
          );
        })}
      </ol>
      <button type="button" className="btn btn-small" onClick={add}>
        <Plus size={14} aria-hidden="true" /> Add parameter
      </button>
      <ErrorHandlerField />
    </Dialog>
  );
}

function RowProblem({ text }: { text: string }) {
  return (
    <p className="field-error" role="status">
      <TriangleAlert size={13} aria-hidden="true" /> {text}
    </p>
  );
}
