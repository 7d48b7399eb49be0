import { useEffect, useId, useState } from 'react';

import type { ApiError } from '../../bindings/ApiError';
import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import { Dialog } from '../../components/Dialog';
import { RouteLink } from '../../components/RouteLink';
import { failureProblem, type FailureSample, type FlowNames } from '../../lib/errorHandler';
import { formatRelative, prettyJson } from '../../lib/format';
import { useFailureSample } from '../../lib/queries';
import { CirclePlay, LoaderCircle, RotateCcw, TriangleAlert } from '../../lib/uiIcons';
import { toApiError } from '../../platform/types';
import { JsonEditor, type JsonCheck } from './JsonEditor';

/** What the sample failure form asks the designer to run. */
export interface FailureRunChoice {
  draft: boolean;
  /** The Manual trigger's output: `{execution, failedStep, error}`. */
  input: JsonValue;
}

/**
 * Runs a flow with a Manual trigger the way the core runs it as another
 * flow's error handler: its trigger output is a failure. The sample is the
 * newest failed execution of a flow that names this one as its error
 * handler, else a made-up one; it can be edited, and is checked, before it
 * runs.
 */
export function FailureRunDialog({
  flow,
  publishedVersion,
  defaultDraft,
  saveFirst,
  onRun,
  onClose,
}: {
  flow: FlowNames;
  publishedVersion: number | null;
  /** Whether the draft is the version to run unless the user picks the other. */
  defaultDraft: boolean;
  /** The draft has unsaved edits, which running it saves first. */
  saveFirst: boolean;
  /** `done` when the run was made (or declined), else the core's refusal to show here. */
  onRun: (choice: FailureRunChoice) => Promise<'done' | ApiError>;
  onClose: () => void;
}) {
  const formId = useId();
  const found = useFailureSample(flow);
  const [runDraft, setRunDraft] = useState(defaultDraft || publishedVersion === null);
  // The sample as first found: a later refetch (a run ending) does not swap it under the user's edits.
  const [sample, setSample] = useState<FailureSample | null>(null);
  const [check, setCheck] = useState<JsonCheck | null>(null);
  // Bumped to put the sample back in the editor.
  const [resets, setResets] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (sample === null && found.data) setSample(found.data);
  }, [found.data, sample]);

  const shapeProblem = check?.value !== undefined ? failureProblem(check.value) : null;
  const ready = sample !== null && check?.value !== undefined && shapeProblem === null;

  const submit = async () => {
    if (busy || !ready || check?.value === undefined) return;
    setBusy(true);
    setError(null);
    try {
      const result = await onRun({ draft: runDraft, input: check.value });
      if (result !== 'done') setError(result.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Run with a sample failure"
      onClose={onClose}
      wide
      testId="failure-run-dialog"
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="btn btn-primary" disabled={busy || !ready}>
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
          void submit();
        }}
      >
        <p className="muted small">
          Runs this flow as it runs when it is another flow&apos;s error handler: its Manual trigger&apos;s output is
          the failure, read as <code>$trigger.execution</code>, <code>$trigger.failedStep</code> and{' '}
          <code>$trigger.error</code>.
        </p>
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
              {publishedVersion === null ? ' (nothing published yet)' : ` (v${publishedVersion}, as a failure runs it)`}
            </span>
          </label>
          <label className="checkbox">
            <input type="radio" name={`${formId}-version`} checked={runDraft} onChange={() => setRunDraft(true)} />
            <span>Draft{saveFirst ? ' (saved first)' : ''}</span>
          </label>
        </fieldset>

        <h3>Sample failure</h3>
        {sample === null ? (
          found.isError ? (
            <p className="field-error" role="alert">
              <TriangleAlert size={13} aria-hidden="true" /> Could not look for a failed execution:{' '}
              {toApiError(found.error).message}
            </p>
          ) : (
            <p className="muted small" role="status">
              <LoaderCircle size={14} className="spin" aria-hidden="true" /> Looking for a failed execution of a flow
              that names this one as its error handler…
            </p>
          )
        ) : (
          <>
            <SampleSource sample={sample} />
            <JsonEditor
              key={resets}
              label="Sample failure"
              initial={prettyJson(sample.failure)}
              onChange={setCheck}
              testId="failure-sample"
            />
            {shapeProblem && (
              <p className="field-error" role="status" data-testid="failure-sample-shape">
                <TriangleAlert size={13} aria-hidden="true" /> {shapeProblem}
              </p>
            )}
            <button
              type="button"
              className="btn btn-small"
              onClick={() => {
                setResets((n) => n + 1);
                setCheck(null);
              }}
            >
              <RotateCcw size={14} aria-hidden="true" /> Reset the sample
            </button>
          </>
        )}
        {error && (
          <p className="field-error" role="alert" data-testid="failure-run-error">
            <TriangleAlert size={13} aria-hidden="true" /> {error}
          </p>
        )}
      </form>
    </Dialog>
  );
}

/** Where the sample comes from: a real failed execution (linked), or why it is made up. */
function SampleSource({ sample }: { sample: FailureSample }) {
  const { from, handles } = sample;
  if (from) {
    return (
      <p className="muted small" data-testid="failure-sample-source">
        The newest failed execution of <strong>{from.flowName}</strong>, which names this flow as its error handler:{' '}
        <RouteLink to={{ name: 'execution', executionId: from.executionId }}>{from.executionId}</RouteLink>,{' '}
        {formatRelative(from.createdAt)}.
      </p>
    );
  }
  const names = handles.map((h) => h.name).join(', ');
  return (
    <p className="muted small" data-testid="failure-sample-source">
      {handles.length === 0
        ? 'No flow names this one as its error handler yet'
        : `${names} ${handles.length === 1 ? 'names' : 'name'} this flow as ${handles.length === 1 ? 'its' : 'their'} error handler but ${handles.length === 1 ? 'has' : 'have'} no failed execution yet`}
      : this is a <strong>made-up example</strong>. Edit it to match what your flows send.
    </p>
  );
}
