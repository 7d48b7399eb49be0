/**
 * The steps of one execution: a timeline whose bars stand where each step
 * started and last as long as it ran, and each step with its mapped input,
 * output, error and every attempt.
 */
import type { Execution } from '../../api';
import type { StepRun } from '../../bindings/StepRun';
import { StepStatusBadge } from '../../components/Badges';
import { JsonTree } from '../../components/JsonTree';
import { formatDuration, formatTimestamp } from '../../lib/format';

const at = (iso: string) => new Date(iso).getTime();

/** Where the timeline's bars come from: each step's offset from the start, and its length. */
export function timelineOf(execution: Execution) {
  const origin = at(execution.startedAt ?? execution.createdAt);
  // A replay from the failed step keeps the earlier steps' original timings:
  // they ran before this execution started and take no place on its time line.
  const here = (s: StepRun) => s.startedAt !== null && at(s.startedAt) >= origin;
  const end = Math.max(
    origin + 1,
    execution.finishedAt ? at(execution.finishedAt) : origin,
    ...execution.steps.filter(here).map((s) => at(s.startedAt!) + (s.durationMs ?? 0)),
  );
  const span = end - origin;
  return execution.steps.map((s) => {
    if (!here(s)) return { run: s, kept: s.startedAt !== null, offset: null, left: 0, width: 0 };
    const offset = at(s.startedAt!) - origin;
    return {
      run: s,
      kept: false,
      offset,
      left: (offset / span) * 100,
      // A step of a few microseconds still gets a visible sliver.
      width: Math.max(((s.durationMs ?? 0) / span) * 100, 0.5),
    };
  });
}

const percent = (n: number) => `${Math.min(100, Math.max(0, n)).toFixed(2)}%`;

export function StepTimeline({ execution }: { execution: Execution }) {
  const bars = timelineOf(execution);
  if (bars.length === 0) return <p className="muted small">No step ran.</p>;
  return (
    <ol className="timeline" aria-label="Timeline of the steps">
      {bars.map(({ run, kept, offset, left, width }) => (
        <li key={run.stepId} className="timeline-row" data-testid="timeline-step" data-step-id={run.stepId}>
          <span className="timeline-name" title={run.stepId}>
            {run.name}
          </span>
          <span className="timeline-track" aria-hidden="true">
            {offset !== null && (
              <span
                className={`timeline-bar timeline-${run.status}`}
                data-testid="timeline-bar"
                style={{ left: percent(left), width: percent(Math.min(width, 100 - left)) }}
              />
            )}
          </span>
          <span className="timeline-time muted small">
            {offset !== null
              ? `+${formatDuration(offset)} · ${formatDuration(run.durationMs)}`
              : kept
                ? 'kept from the original run'
                : run.status}
          </span>
        </li>
      ))}
    </ol>
  );
}

function Attempts({ run }: { run: StepRun }) {
  const attempts = run.attempts ?? [];
  if (attempts.length === 0) return null;
  return (
    <details className="step-section" data-testid="step-attempts" open={run.status === 'failed'}>
      <summary>Attempts ({attempts.length})</summary>
      <ol className="step-attempts">
        {attempts.map((a, i) => (
          <li key={`${a.startedAt}-${i}`} data-testid="step-attempt">
            <span className="muted small">
              {formatTimestamp(a.startedAt)} · {formatDuration(a.durationMs)}
            </span>{' '}
            {a.error ? <span className="field-error small">{a.error}</span> : <span className="small">succeeded</span>}
            {a.waitedMs != null && <span className="muted small"> · waited {formatDuration(a.waitedMs)}</span>}
          </li>
        ))}
      </ol>
    </details>
  );
}

/**
 * A value the run log keeps cut (over 256 KiB, in an execution that did not
 * fail): `{truncated: true, bytes, preview}` stands in for it.
 */
function truncatedBytes(value: unknown): number | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const cut = value as { truncated?: unknown; bytes?: unknown; preview?: unknown };
  return cut.truncated === true && typeof cut.bytes === 'number' && typeof cut.preview === 'string' ? cut.bytes : null;
}

function StepValue({ value, label, testId }: { value: unknown; label: string; testId: string }) {
  const bytes = truncatedBytes(value);
  return (
    <>
      {bytes !== null && (
        <p className="muted small" data-testid="value-truncated">
          Too large to keep whole ({bytes.toLocaleString()} bytes as JSON): the run log keeps its beginning.
        </p>
      )}
      <JsonTree value={value} label={label} testId={testId} />
    </>
  );
}

function StepCard({ run }: { run: StepRun }) {
  const failed = run.status === 'failed';
  const attempts = run.attempts?.length ?? 0;
  return (
    <li
      className={`step-card${failed ? ' failed' : ''}`}
      data-testid="step-card"
      data-step-id={run.stepId}
      data-status={run.status}
    >
      <div className="step-run-head">
        <StepStatusBadge status={run.status} testId="step-status" />
        <strong>{run.name}</strong>
        <span className="muted small">{run.component}</span>
        {run.branch !== undefined && run.branch !== null && (
          <span className="muted small">branch {String(run.branch)}</span>
        )}
        <span className="muted small">{formatDuration(run.durationMs)}</span>
        {attempts > 1 && (
          <span className="muted small" data-testid="step-attempt-count">
            {attempts} attempts
          </span>
        )}
        {run.resumed && (
          <span
            className="badge badge-neutral"
            title="The step had started when Hookline stopped; it ran again after the restart with the same Idempotency-Key"
          >
            resumed
          </span>
        )}
      </div>
      {run.error && (
        <p className="field-error small step-error" data-testid="step-error">
          {run.error}
        </p>
      )}
      <Attempts run={run} />
      <details className="step-section" open={failed}>
        <summary>Input</summary>
        {run.input === null ? (
          <p className="muted small">No input was mapped.</p>
        ) : (
          <StepValue value={run.input} label={`Input of ${run.name}`} testId="step-input" />
        )}
      </details>
      <details className="step-section">
        <summary>Output</summary>
        {run.output === null ? (
          <p className="muted small">No output.</p>
        ) : (
          <StepValue value={run.output} label={`Output of ${run.name}`} testId="step-output" />
        )}
      </details>
    </li>
  );
}

export function StepList({ execution }: { execution: Execution }) {
  if (execution.steps.length === 0) return <p className="muted small">No step has run yet.</p>;
  return (
    <ol className="step-cards">
      {execution.steps.map((run) => (
        <StepCard key={run.stepId} run={run} />
      ))}
    </ol>
  );
}
