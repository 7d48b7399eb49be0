import { useEffect, useId, useMemo, useRef, useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { ComponentDescriptor } from '../../bindings/ComponentDescriptor';
import type { FlowDocument } from '../../bindings/FlowDocument';
import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import { Dialog } from '../../components/Dialog';
import { findField } from '../../lib/dom';
import { describeFields } from '../../lib/jsonSchema';
import {
  checkRunValue,
  initialValues,
  refusedField,
  runFieldSchema,
  runFields,
  runParams,
  type RunField,
  type RunValues,
} from '../../lib/parameters';
import { useVersionDocument } from '../../lib/queries';
import { CirclePlay, LoaderCircle, TriangleAlert } from '../../lib/uiIcons';
import { LiteralWidget } from './fields';
import { domId, FieldShell } from './formParts';

/** What the run form asks the designer to run. */
export interface RunChoice {
  draft: boolean;
  params: Record<string, JsonValue>;
}

/**
 * How a run the form asked for ended: `done` (ran, or failed in a way the
 * designer reported), `cancelled` (the user declined to confirm), or the
 * core's refusal of one of the values, for the form to show on its field.
 */
export type RunResult = 'done' | 'cancelled' | ApiError;

/**
 * The Run form: the Manual trigger's fields and the flow's overridable
 * parameters as typed inputs with their defaults, checked before anything
 * runs, and which version to run. The fields come from the version chosen,
 * so running the published version asks what that version takes.
 */
export function RunDialog({
  flowId,
  draft,
  catalog,
  publishedVersion,
  defaultDraft,
  saveFirst,
  onRun,
  onClose,
}: {
  flowId: string;
  /** The draft as the editor has it. */
  draft: FlowDocument;
  catalog: Record<string, ComponentDescriptor>;
  publishedVersion: number | null;
  /** Whether the draft is the version to run unless the user picks the other. */
  defaultDraft: boolean;
  /** The draft has unsaved edits, which running it saves first. */
  saveFirst: boolean;
  onRun: (choice: RunChoice) => Promise<RunResult>;
  onClose: () => void;
}) {
  const formId = useId();
  const [runDraft, setRunDraft] = useState(defaultDraft || publishedVersion === null);
  const published = useVersionDocument(flowId, runDraft ? null : publishedVersion);
  const doc = runDraft ? draft : (published.data ?? null);
  const fields = useMemo(() => (doc ? runFields(doc, catalog) : []), [doc, catalog]);
  const specs = useMemo(() => new Map(describeFields(runFieldSchema(fields)).map((s) => [s.key, s])), [fields]);
  // Values the user typed, by name, so they survive switching between the
  // draft and the published version; every other field shows its default.
  const [edits, setEdits] = useState<RunValues>({});
  const [unreadable, setUnreadable] = useState<Record<string, string | null>>({});
  const [refusals, setRefusals] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);

  const defaults = useMemo(() => initialValues(fields), [fields]);
  const values: RunValues = { ...defaults, ...edits };
  const fieldId = (field: RunField) => domId('run', field.source, field.name);
  const problemOf = (field: RunField): string | null => {
    if (refusals[field.name]) return refusals[field.name]!;
    const value = values[field.name];
    // A missing required value is said once Run was pressed, not as the form opens.
    if (value === undefined && !attempted) return null;
    return checkRunValue(field, value);
  };

  const edit = (name: string, value: JsonValue | undefined) => {
    setEdits((e) => ({ ...e, [name]: value }));
    setRefusals(({ [name]: _old, ...rest }) => rest);
  };

  const focusField = (field: RunField) => findField(document, `run:${field.source}:${field.name}`)?.focus();

  // The first field takes the focus once there is one (the published
  // version's fields arrive after the dialog opens).
  const focused = useRef(false);
  useEffect(() => {
    const first = fields[0];
    if (focused.current || !first) return;
    focused.current = true;
    findField(document, `run:${first.source}:${first.name}`)?.focus();
  }, [fields]);

  const submit = async () => {
    setAttempted(true);
    setGeneral(null);
    const bad = fields.find((f) => unreadable[f.name] || checkRunValue(f, values[f.name]) !== null);
    if (bad) {
      focusField(bad);
      return;
    }
    setBusy(true);
    try {
      const result = await onRun({ draft: runDraft, params: runParams(fields, values) });
      if (result === 'done' || result === 'cancelled') return;
      const named = refusedField(
        result,
        fields.map((f) => f.name),
      );
      const field = fields.find((f) => f.name === named);
      if (field) {
        setRefusals({ [field.name]: result.message });
        focusField(field);
      } else {
        setGeneral(result.message);
      }
    } finally {
      setBusy(false);
    }
  };

  const form = fields.filter((f) => f.source === 'form');
  const parameters = fields.filter((f) => f.source === 'parameter');
  const loading = !runDraft && published.isPending;
  const renderField = (field: RunField) => {
    const spec = specs.get(field.name)!;
    const id = fieldId(field);
    const problem = problemOf(field);
    return (
      <FieldShell
        key={`${field.source}:${field.name}`}
        id={id}
        spec={spec}
        problem={problem}
        toolbar={<span className="muted small field-type">{field.type}</span>}
      >
        <LiteralWidget
          id={id}
          spec={spec}
          label={spec.title}
          value={values[field.name]}
          dataField={`run:${field.source}:${field.name}`}
          describedBy={spec.description || spec.default !== undefined ? `${id}-hint` : undefined}
          invalid={problem !== null}
          onChange={(v) => edit(field.name, v)}
          onInvalid={(message) => setUnreadable((u) => ({ ...u, [field.name]: message }))}
        />
      </FieldShell>
    );
  };

  return (
    <Dialog
      title="Run once"
      onClose={onClose}
      testId="run-dialog"
      className="run-dialog"
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="btn btn-primary" disabled={busy || loading}>
            {busy ? (
              <LoaderCircle size={15} className="spin" aria-hidden="true" />
            ) : (
              <CirclePlay size={15} aria-hidden="true" />
            )}{' '}
            Run
          </button>
        </>
      }
    >
      <form
        id={formId}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void submit();
        }}
      >
        <fieldset className="run-version">
          <legend className="field-label">Version</legend>
          <label className="checkbox">
            <input
              type="radio"
              name={`${formId}-version`}
              checked={!runDraft}
              disabled={publishedVersion === null}
              onChange={() => setRunDraft(false)}
            />
            <span>
              Published version
              {publishedVersion === null ? ' (nothing published yet)' : ` (v${publishedVersion})`}
            </span>
          </label>
          <label className="checkbox">
            <input type="radio" name={`${formId}-version`} checked={runDraft} onChange={() => setRunDraft(true)} />
            <span>Draft{saveFirst ? ' (saved first)' : ''}</span>
          </label>
        </fieldset>

        {loading ? (
          <p className="muted small">
            <LoaderCircle size={14} className="spin" aria-hidden="true" /> Reading v{publishedVersion}…
          </p>
        ) : !runDraft && published.isError ? (
          <p className="field-error">Could not read v{publishedVersion}.</p>
        ) : fields.length === 0 ? (
          <p className="muted small" data-testid="run-no-values">
            {runDraft ? 'The draft' : `v${publishedVersion}`} takes no values: it runs with the trigger&apos;s sample.
          </p>
        ) : null}

        {form.length > 0 && (
          <section className="run-group" aria-label="Run form">
            <h3>Run form</h3>
            <p className="muted small">
              The trigger&apos;s output: <code>$trigger.params.&lt;name&gt;</code>.
            </p>
            {form.map(renderField)}
          </section>
        )}
        {parameters.length > 0 && (
          <section className="run-group" aria-label="Flow parameters">
            <h3>Flow parameters</h3>
            <p className="muted small">
              Parameters this flow lets a run set, read as <code>$params.&lt;name&gt;</code>. An empty field keeps the
              default.
            </p>
            {parameters.map(renderField)}
          </section>
        )}
        {general && (
          <p className="field-error" role="alert">
            <TriangleAlert size={13} aria-hidden="true" /> {general}
          </p>
        )}
      </form>
    </Dialog>
  );
}
