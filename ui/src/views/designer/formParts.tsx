/**
 * Pieces the step panel's forms share: a field's frame (label, required mark,
 * hint, problem), the literal/expression toggle and the type picker of a
 * declared field.
 */
import type { FieldType } from '../../bindings/FieldType';
import type { Step } from '../../bindings/Step';
import { FIELD_TYPES, type InputMode } from '../../lib/inputs';
import { describeDefault, type FieldSpec } from '../../lib/jsonSchema';
import type { LocatedProblem } from '../../lib/problems';
import { Braces, SquareFunction, TriangleAlert } from '../../lib/uiIcons';

export const domId = (...parts: string[]) => parts.join('-').replace(/[^A-Za-z0-9_-]/g, '_');

export function problemFor(problems: LocatedProblem[], area: 'inputs' | 'config', field: string): string | null {
  return problems.find((p) => p.target.area === area && p.target.field === field)?.message ?? null;
}

export function FieldShell({
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

export function RequiredMark() {
  return (
    <span className="required" title="Required">
      <span aria-hidden="true"> *</span>
      <span className="visually-hidden"> (required)</span>
    </span>
  );
}

export function ModeToggle({ mode, label, onToggle }: { mode: InputMode; label: string; onToggle: () => void }) {
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

export function TypeSelect({
  id,
  label,
  value,
  onChange,
}: {
  id?: string;
  label: string;
  value: FieldType;
  onChange: (type: FieldType) => void;
}) {
  return (
    <select
      id={id}
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

export type StepUpdate = (change: (s: Step) => Step, key?: string) => void;
