/**
 * Form widgets generated from JSON Schema field specs: one literal editor
 * per field kind, the expression editor with the engine's syntax check, and
 * the JSON and list editors they build on.
 */
import { useEffect, useRef, useState } from 'react';

import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import type { ExpressionCheck } from '../../api';
import { useApi } from '../../lib/apiContext';
import { describeDefault, type FieldSpec } from '../../lib/jsonSchema';
import { formatLenient, parseLenient } from '../../lib/inputs';
import { CircleCheck, Plus, X } from '../../lib/uiIcons';

/**
 * Local text for an input whose stored value is parsed from it: the text is
 * kept while it still means the stored value (so `1.` or a half-typed JSON
 * object survive), and replaced when the value changes from outside (undo).
 */
function useSyncedText(
  value: JsonValue | undefined,
  format: (v: JsonValue | undefined) => string,
  means: (text: string, v: JsonValue | undefined) => boolean,
) {
  const [text, setText] = useState(() => format(value));
  const last = useRef(value);
  useEffect(() => {
    if (last.current === value) return;
    last.current = value;
    // Only an outside change of the value resets the text.
    if (!means(text, value)) setText(format(value));
  }, [value, text, format, means]);
  return [text, setText] as const;
}

/** A widget's own parse error, also told to `onInvalid` whenever it changes. */
function useReportedError(onInvalid: ((message: string | null) => void) | undefined) {
  const [error, setError] = useState<string | null>(null);
  const set = (message: string | null) => {
    setError(message);
    if (message !== error) onInvalid?.(message);
  };
  return [error, set] as const;
}

const sameJson = (a: JsonValue | undefined, b: JsonValue | undefined) => JSON.stringify(a) === JSON.stringify(b);

export interface WidgetProps {
  id: string;
  spec: FieldSpec;
  value: JsonValue | undefined;
  onChange: (value: JsonValue | undefined) => void;
  /** `data-field` of the focusable control, for jumping to problems. */
  dataField?: string;
  describedBy?: string;
  invalid?: boolean;
  label: string;
  /**
   * Told when the text typed cannot be read as a value of the field's kind
   * (a message) and when it can again (null). The value is not changed
   * meanwhile, so a form that submits must ask.
   */
  onInvalid?: (message: string | null) => void;
}

/** The literal editor for a field's kind. */
export function LiteralWidget(props: WidgetProps) {
  switch (props.spec.kind) {
    case 'string':
      return <StringWidget {...props} />;
    case 'number':
    case 'integer':
      return <NumberWidget {...props} />;
    case 'boolean':
      return <BooleanWidget {...props} />;
    case 'enum':
      return <EnumWidget {...props} />;
    case 'stringList':
      return <StringListWidget {...props} />;
    case 'enumList':
      return <EnumListWidget {...props} />;
    default:
      return <JsonWidget {...props} />;
  }
}

function StringWidget({ id, spec, value, onChange, dataField, describedBy, invalid }: WidgetProps) {
  const placeholder = describeDefault(spec.default);
  return (
    <input
      id={id}
      className="input"
      type="text"
      value={typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value)}
      placeholder={placeholder ?? undefined}
      data-field={dataField}
      aria-describedby={describedBy}
      aria-invalid={invalid || undefined}
      aria-required={spec.required || undefined}
      spellCheck={false}
      onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
    />
  );
}

function NumberWidget({ id, spec, value, onChange, dataField, describedBy, invalid, onInvalid }: WidgetProps) {
  const [text, setText] = useSyncedText(
    value,
    (v) => (v === undefined ? '' : String(v)),
    (t, v) => (t.trim() === '' ? v === undefined : Number(t) === v),
  );
  const [error, setError] = useReportedError(onInvalid);
  return (
    <>
      <input
        id={id}
        className="input"
        type="text"
        inputMode={spec.kind === 'integer' ? 'numeric' : 'decimal'}
        value={text}
        placeholder={describeDefault(spec.default) ?? undefined}
        data-field={dataField}
        aria-describedby={describedBy}
        aria-invalid={invalid || error !== null || undefined}
        aria-required={spec.required || undefined}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          if (t.trim() === '') {
            setError(null);
            onChange(undefined);
            return;
          }
          const n = Number(t);
          if (!Number.isFinite(n)) setError('Enter a number');
          else if (spec.kind === 'integer' && !Number.isInteger(n)) setError('Enter a whole number');
          else {
            setError(null);
            onChange(n);
          }
        }}
      />
      {error && <p className="field-error">{error}</p>}
    </>
  );
}

function BooleanWidget({ id, spec, value, onChange, dataField, describedBy, label }: WidgetProps) {
  const checked = typeof value === 'boolean' ? value : spec.default === true;
  return (
    <label className="checkbox" htmlFor={id}>
      <input
        id={id}
        type="checkbox"
        checked={checked}
        data-field={dataField}
        aria-describedby={describedBy}
        onChange={(e) => onChange(e.target.checked)}
      />
      <span>{value === undefined && spec.default !== undefined ? `${label} (default)` : label}</span>
    </label>
  );
}

function EnumWidget({ id, spec, value, onChange, dataField, describedBy, invalid }: WidgetProps) {
  const options = spec.options ?? [];
  const selected = value === undefined ? '' : JSON.stringify(value);
  const known = options.some((o) => JSON.stringify(o) === selected);
  const unsetLabel = spec.default !== undefined ? `Default (${describeDefault(spec.default)})` : '— not set —';
  return (
    <select
      id={id}
      className="input"
      value={selected}
      data-field={dataField}
      aria-describedby={describedBy}
      aria-invalid={invalid || undefined}
      aria-required={spec.required || undefined}
      onChange={(e) => onChange(e.target.value === '' ? undefined : (JSON.parse(e.target.value) as JsonValue))}
    >
      <option value="">{unsetLabel}</option>
      {options.map((option) => (
        <option key={JSON.stringify(option)} value={JSON.stringify(option)}>
          {typeof option === 'string' ? option : JSON.stringify(option)}
        </option>
      ))}
      {!known && selected !== '' && <option value={selected}>{selected} (not a choice)</option>}
    </select>
  );
}

function StringListWidget({ id, spec, value, onChange, dataField, describedBy, label }: WidgetProps) {
  const items = Array.isArray(value) ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) : [];
  const [draft, setDraft] = useState('');
  const add = () => {
    if (!draft.trim()) return;
    onChange([...items, draft.trim()]);
    setDraft('');
  };
  const fallback = describeDefault(spec.default);
  return (
    <div className="list-editor" aria-describedby={describedBy}>
      {items.length === 0 && fallback && <p className="muted small">Default: {fallback}</p>}
      {items.map((item, i) => (
        <div className="list-row" key={i}>
          <input
            className="input"
            value={item}
            aria-label={`${label} item ${i + 1}`}
            onChange={(e) => onChange(items.map((x, j) => (j === i ? e.target.value : x)))}
          />
          <button
            type="button"
            className="icon-btn"
            aria-label={`Remove ${label} item ${i + 1}`}
            onClick={() => {
              const next = items.filter((_, j) => j !== i);
              onChange(next.length === 0 ? undefined : next);
            }}
          >
            <X size={14} aria-hidden="true" />
          </button>
        </div>
      ))}
      <div className="list-row">
        <input
          id={id}
          className="input"
          value={draft}
          placeholder="Add an item"
          aria-label={`New ${label} item`}
          data-field={dataField}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
        />
        <button
          type="button"
          className="icon-btn"
          aria-label={`Add ${label} item`}
          onClick={add}
          disabled={!draft.trim()}
        >
          <Plus size={14} aria-hidden="true" />
        </button>
      </div>
    </div>
  );
}

function EnumListWidget({ id, spec, value, onChange, dataField, describedBy, label }: WidgetProps) {
  const options = (spec.options ?? []).filter((o): o is string => typeof o === 'string');
  const current = Array.isArray(value) ? value : Array.isArray(spec.default) ? spec.default : [];
  return (
    <div role="group" aria-label={label} aria-describedby={describedBy} className="checkbox-group" id={id}>
      {options.map((option, i) => (
        <label key={option} className="checkbox">
          <input
            type="checkbox"
            checked={current.includes(option)}
            data-field={i === 0 ? dataField : undefined}
            onChange={(e) => {
              const chosen = new Set(current.filter((v): v is string => typeof v === 'string'));
              if (e.target.checked) chosen.add(option);
              else chosen.delete(option);
              onChange(options.filter((o) => chosen.has(o)));
            }}
          />
          <span>{option}</span>
        </label>
      ))}
    </div>
  );
}

export function JsonWidget({ id, spec, value, onChange, dataField, describedBy, invalid, onInvalid }: WidgetProps) {
  const [text, setText] = useSyncedText(
    value,
    (v) => (v === undefined ? '' : JSON.stringify(v, null, 2)),
    (t, v) => {
      if (t.trim() === '') return v === undefined;
      try {
        return sameJson(JSON.parse(t) as JsonValue, v);
      } catch {
        return false;
      }
    },
  );
  const [error, setError] = useReportedError(onInvalid);
  const rows = Math.min(12, Math.max(3, text.split('\n').length + 1));
  return (
    <>
      <textarea
        id={id}
        className="input mono"
        rows={rows}
        value={text}
        spellCheck={false}
        placeholder={spec.default !== undefined ? JSON.stringify(spec.default) : 'JSON value'}
        data-field={dataField}
        aria-describedby={describedBy}
        aria-invalid={invalid || error !== null || undefined}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          if (t.trim() === '') {
            setError(null);
            onChange(undefined);
            return;
          }
          try {
            const parsed = JSON.parse(t) as JsonValue;
            setError(null);
            onChange(parsed);
          } catch (err) {
            setError(jsonErrorMessage(t, err));
          }
        }}
      />
      {error && (
        <p className="field-error" role="status">
          {error}
        </p>
      )}
    </>
  );
}

/** A JSON parse error with line and column where the engine says where. */
export function jsonErrorMessage(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const at = /position (\d+)/.exec(message);
  if (at) {
    const position = Number(at[1]);
    const before = text.slice(0, position).split('\n');
    return `Invalid JSON at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
  }
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol) return `Invalid JSON at line ${lineCol[1]}, column ${lineCol[2]}`;
  return `Invalid JSON: ${message.replace(/^JSON\.parse: /, '')}`;
}

/** A single-line literal that reads JSON when it is JSON and text otherwise. */
export function LenientInput({
  id,
  value,
  onChange,
  label,
  dataField,
}: {
  id: string;
  value: JsonValue | undefined;
  onChange: (v: JsonValue) => void;
  label: string;
  dataField?: string;
}) {
  const [text, setText] = useSyncedText(
    value,
    (v) => (v === undefined ? '' : formatLenient(v)),
    (t, v) => sameJson(parseLenient(t), v),
  );
  return (
    <input
      id={id}
      className="input"
      value={text}
      aria-label={label}
      data-field={dataField}
      placeholder="Text, or JSON such as 42 or true"
      spellCheck={false}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parseLenient(e.target.value));
      }}
    />
  );
}

/** Checks expressions with the engine, a moment after typing stops. */
export function useExpressionCheck(expr: string | null, delay = 350): ExpressionCheck | null {
  const api = useApi();
  const [check, setCheck] = useState<{ expr: string; result: ExpressionCheck } | null>(null);
  useEffect(() => {
    if (expr === null || expr.trim() === '') return;
    let live = true;
    const timer = setTimeout(() => {
      api
        .checkExpression(expr)
        .then((result) => live && setCheck({ expr, result }))
        .catch(() => undefined);
    }, delay);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, expr, delay]);
  if (expr === null || expr.trim() === '') return null;
  return check && check.expr === expr ? check.result : null;
}

export function ExpressionEditor({
  id,
  value,
  onChange,
  label,
  dataField,
  describedBy,
  useLabel,
}: {
  id: string;
  value: string;
  onChange: (text: string) => void;
  label: string;
  dataField?: string;
  describedBy?: string;
  /** Name the textarea with aria-label (when no <label> points at it). */
  useLabel?: boolean;
}) {
  const check = useExpressionCheck(value);
  const errorId = `${id}-expr-error`;
  const rows = Math.min(8, Math.max(1, value.split('\n').length));
  return (
    <div className="expr">
      <div className="expr-box">
        <span className="expr-prefix" aria-hidden="true">
          ƒx
        </span>
        <textarea
          id={id}
          className="input mono expr-input"
          rows={rows}
          value={value}
          spellCheck={false}
          placeholder="$trigger.body.field"
          aria-label={useLabel ? label : undefined}
          data-field={dataField}
          data-mode="expression"
          aria-invalid={check && !check.ok ? true : undefined}
          aria-describedby={[describedBy, check && !check.ok ? errorId : null].filter(Boolean).join(' ') || undefined}
          onChange={(e) => onChange(e.target.value)}
        />
      </div>
      {check && !check.ok && (
        <p id={errorId} className="field-error" data-testid="expression-error">
          {check.message ?? 'Invalid expression'}
          {check.position !== null && (
            <>
              {' '}
              at character {check.position + 1}:{' '}
              <code className="expr-snippet">
                {value.slice(Math.max(0, check.position - 20), check.position)}
                <mark>{value.slice(check.position, check.position + 1) || ' '}</mark>
                {value.slice(check.position + 1, check.position + 20)}
              </code>
            </>
          )}
        </p>
      )}
      {check?.ok && (
        <p className="field-ok small">
          <CircleCheck size={12} aria-hidden="true" /> Valid expression
        </p>
      )}
    </div>
  );
}
