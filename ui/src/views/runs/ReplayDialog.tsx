/**
 * Replay one execution (M7.3): against the version that ran, the latest
 * published one or the draft; from the trigger or from the step that failed;
 * with the same trigger input or an edited one. What the core cannot honour
 * comes back as its own sentence, shown here.
 */
import { useId, useState } from 'react';

import type { Execution, ReplayArgs } from '../../api';
import { Dialog } from '../../components/Dialog';
import { useApi } from '../../lib/apiContext';
import { prettyJson } from '../../lib/format';
import { LoaderCircle, RotateCcw, TriangleAlert } from '../../lib/uiIcons';
import { toApiError } from '../../platform/types';
import { JsonEditor, type JsonCheck } from '../designer/JsonEditor';

type Version = NonNullable<ReplayArgs['version']>;
type From = NonNullable<ReplayArgs['from']>;

export function ReplayDialog({
  execution,
  onClose,
  onReplayed,
}: {
  execution: Execution;
  onClose: () => void;
  /** The new execution, once it has ended. */
  onReplayed: (replay: Execution) => void;
}) {
  const api = useApi();
  const formId = useId();
  const ranDraft = execution.version === null;
  const failed = execution.status === 'failed' && execution.failedStep !== null;
  const failedName = execution.steps.find((s) => s.stepId === execution.failedStep)?.name ?? execution.failedStep;
  // A run of the draft has no version to go back to: the draft is not kept per run.
  const [version, setVersion] = useState<Version>(ranDraft ? 'draft' : 'ran');
  const [from, setFrom] = useState<From>('trigger');
  const [editing, setEditing] = useState(false);
  const [input, setInput] = useState<JsonCheck | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const invalidInput = editing && (input === null || input.value === undefined);
  // The steps before the failed one produced their outputs from the original input.
  const start: From = editing ? 'trigger' : from;

  const submit = async () => {
    if (busy || invalidInput) return;
    setBusy(true);
    setError(null);
    const args: ReplayArgs = { id: execution.id, version, from: start };
    if (editing && input?.value !== undefined) args.input = input.value;
    try {
      onReplayed(await api.replayExecution(args));
    } catch (failure) {
      setError(toApiError(failure).message);
      setBusy(false);
    }
  };

  const versions: { id: Version; label: string; disabled?: boolean }[] = [
    {
      id: 'ran',
      label: ranDraft
        ? 'The version that ran (it ran the draft, which is not kept)'
        : `The version that ran (v${execution.version})`,
      disabled: ranDraft,
    },
    { id: 'latest', label: 'The latest published version' },
    { id: 'draft', label: 'The draft, as saved' },
  ];

  return (
    <Dialog
      title={`Replay ${execution.id}`}
      onClose={onClose}
      wide
      testId="replay-dialog"
      footer={
        <>
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className="btn btn-primary" disabled={busy || invalidInput}>
            {busy ? (
              <LoaderCircle size={15} className="spin" aria-hidden="true" />
            ) : (
              <RotateCcw size={15} aria-hidden="true" />
            )}{' '}
            Replay
          </button>
        </>
      }
    >
      <form
        id={formId}
        className="form replay-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="muted small">
          A replay is a new execution that names this one; this one stays as it is. It runs here and now, and opens when
          it has ended.
        </p>
        <fieldset className="run-version">
          <legend className="field-label">Version</legend>
          {versions.map((v) => (
            <label key={v.id} className="checkbox">
              <input
                type="radio"
                name={`${formId}-version`}
                value={v.id}
                checked={version === v.id}
                disabled={v.disabled}
                onChange={() => setVersion(v.id)}
              />
              <span>{v.label}</span>
            </label>
          ))}
        </fieldset>
        <fieldset className="run-version">
          <legend className="field-label">Start from</legend>
          <label className="checkbox">
            <input
              type="radio"
              name={`${formId}-from`}
              value="trigger"
              checked={start === 'trigger'}
              onChange={() => setFrom('trigger')}
            />
            <span>The trigger: every step runs again</span>
          </label>
          <label className="checkbox">
            <input
              type="radio"
              name={`${formId}-from`}
              value="failed"
              checked={start === 'failed'}
              disabled={!failed || editing}
              onChange={() => setFrom('failed')}
            />
            <span>
              {failed
                ? `The failed step (${failedName}): the steps before it keep their outputs and are not run again`
                : `The failed step (this execution ${execution.status === 'failed' ? 'failed before any step' : 'did not fail'})`}
            </span>
          </label>
        </fieldset>
        <label className="checkbox">
          <input type="checkbox" checked={editing} onChange={(e) => setEditing(e.target.checked)} />
          <span>Edit the trigger input</span>
        </label>
        {editing && (
          <>
            <JsonEditor
              label="Trigger input"
              initial={prettyJson(execution.input)}
              onChange={setInput}
              testId="replay-input"
              autoFocus
            />
            {failed && (
              <p className="muted small" data-testid="replay-input-note">
                An edited input runs from the trigger: the steps before the failed one produced their outputs from the
                original input.
              </p>
            )}
          </>
        )}
        {error && (
          <p className="field-error" role="alert" data-testid="replay-error">
            <TriangleAlert size={13} aria-hidden="true" /> {error}
          </p>
        )}
        {busy && (
          <p className="muted small" role="status">
            Replaying… the new execution opens when it has ended.
          </p>
        )}
      </form>
    </Dialog>
  );
}
