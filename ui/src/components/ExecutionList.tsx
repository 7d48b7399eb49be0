import { useEffect, useState } from 'react';

import type { ExecutionSummary, JsonValue } from '../api';
import { formatDuration, formatRelative, prettyJson } from '../lib/format';
import { useExecution } from '../lib/queries';
import { ChevronDown, ChevronRight, ExternalLink } from '../lib/uiIcons';
import { StatusBadge } from './Badges';
import { RouteLink } from './RouteLink';

/** Executions, newest first; a row opens to show every step, and links to the execution's own page. */
export function ExecutionList({
  executions,
  compact,
  openId,
}: {
  executions: ExecutionSummary[];
  compact?: boolean;
  /** An execution to open, such as the run the designer just made. */
  openId?: string | null;
}) {
  const [open, setOpen] = useState<string | null>(openId ?? null);
  useEffect(() => {
    if (openId) setOpen(openId);
  }, [openId]);
  return (
    <ul className={`executions${compact ? ' compact' : ''}`} aria-label="Executions">
      {executions.map((e) => {
        const expanded = open === e.id;
        return (
          <li
            key={e.id}
            className="execution"
            data-testid="execution-row"
            data-execution-id={e.id}
            data-status={e.status}
          >
            <div className="execution-head">
              <button
                type="button"
                className="execution-summary"
                aria-expanded={expanded}
                onClick={() => setOpen(expanded ? null : e.id)}
              >
                {expanded ? (
                  <ChevronDown size={14} aria-hidden="true" />
                ) : (
                  <ChevronRight size={14} aria-hidden="true" />
                )}
                <StatusBadge status={e.status} testId="execution-status" />
                <span className="muted small">{e.version === null ? 'draft' : `v${e.version}`}</span>
                <span className="muted small">{e.trigger}</span>
                {e.replayOf && <span className="muted small">replay</span>}
                <span className="execution-time muted small" title={e.createdAt}>
                  {formatRelative(e.createdAt)}
                </span>
                <span className="muted small">{formatDuration(e.durationMs)}</span>
              </button>
              <RouteLink
                to={{ name: 'execution', executionId: e.id }}
                className="icon-btn"
                title="Open the execution's page"
                ariaLabel={`Open execution ${e.id}`}
                testId="execution-open"
              >
                <ExternalLink size={14} aria-hidden="true" />
              </RouteLink>
            </div>
            {e.error && !expanded && <p className="execution-error small">{e.error}</p>}
            {expanded && <ExecutionDetail id={e.id} />}
          </li>
        );
      })}
    </ul>
  );
}

export function ExecutionDetail({ id }: { id: string }) {
  const execution = useExecution(id);
  if (execution.isPending) return <p className="muted small pad">Loading…</p>;
  if (execution.isError || !execution.data) return <p className="field-error pad">Could not load the execution.</p>;
  const e = execution.data;
  return (
    <div className="execution-detail" data-testid="execution-detail">
      <p className="muted small">
        <code>{e.id}</code> · started {formatRelative(e.startedAt ?? e.createdAt)} · {formatDuration(e.durationMs)} ·{' '}
        <RouteLink to={{ name: 'execution', executionId: e.id }} testId="execution-details-link">
          details, replay
        </RouteLink>
      </p>
      {e.error && (
        <p className="field-error">
          {e.failedStep ? `${e.failedStep}: ` : ''}
          {e.error}
        </p>
      )}
      <ValueList title="Parameters" values={e.params} testId="execution-params" />
      {e.trigger === 'manual' && isValues(e.input) && isValues(e.input.params) && (
        <ValueList title="Run form" values={e.input.params} testId="execution-form" />
      )}
      <details>
        <summary>Trigger input</summary>
        <pre className="json">{prettyJson(e.input)}</pre>
      </details>
      <ol className="step-runs">
        {e.steps.map((s) => (
          <li key={s.stepId} className="step-run">
            <div className="step-run-head">
              <span
                className={`badge badge-${s.status === 'succeeded' ? 'success' : s.status === 'failed' ? 'danger' : 'neutral'}`}
              >
                {s.status}
              </span>
              <strong>{s.name}</strong>
              <span className="muted small">{s.component}</span>
              {s.branch !== undefined && s.branch !== null && (
                <span className="muted small">branch {String(s.branch)}</span>
              )}
              <span className="muted small">{formatDuration(s.durationMs)}</span>
              {s.attempts && s.attempts.length > 1 && (
                <span className="muted small" data-testid="step-attempt-count">
                  {s.attempts.length} attempts
                </span>
              )}
              {s.resumed && (
                <span
                  className="badge badge-neutral"
                  title="The step had started when Hookline stopped; it ran again after the restart with the same Idempotency-Key"
                >
                  resumed
                </span>
              )}
            </div>
            {s.error && <p className="field-error small">{s.error}</p>}
            {s.attempts && s.attempts.length > 1 && (
              <details data-testid="step-attempts">
                <summary>Attempts</summary>
                <ol className="step-attempts">
                  {s.attempts.map((a, i) => (
                    <li key={a.startedAt + String(i)}>
                      <span className="muted small">
                        {formatRelative(a.startedAt)} · {formatDuration(a.durationMs)}
                      </span>{' '}
                      {a.error ? <span className="field-error small">{a.error}</span> : <span>succeeded</span>}
                      {a.waitedMs != null && (
                        <span className="muted small"> · waited {formatDuration(a.waitedMs)}</span>
                      )}
                    </li>
                  ))}
                </ol>
              </details>
            )}
            {s.input !== null && (
              <details>
                <summary>Input</summary>
                <pre className="json">{prettyJson(s.input)}</pre>
              </details>
            )}
            {s.output !== null && (
              <details>
                <summary>Output</summary>
                <pre className="json">{prettyJson(s.output)}</pre>
              </details>
            )}
          </li>
        ))}
      </ol>
      {e.reply && (
        <details>
          <summary>Reply ({e.reply.status})</summary>
          <pre className="json">{prettyJson(e.reply)}</pre>
        </details>
      )}
    </div>
  );
}

type Values = { [name: string]: JsonValue | undefined };

const isValues = (value: unknown): value is Values =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Named values a run was given, each as JSON so its type shows (`"3"` is
 * text, `3` a number). Nothing when there are none.
 */
function ValueList({ title, values, testId }: { title: string; values: Values; testId: string }) {
  const entries = Object.entries(values);
  if (entries.length === 0) return null;
  return (
    <section className="run-values" aria-label={title} data-testid={testId}>
      <h3>{title}</h3>
      <dl>
        {entries.map(([name, value]) => (
          <div key={name} className="run-value" data-name={name}>
            <dt className="mono">{name}</dt>
            <dd>
              <code>{JSON.stringify(value ?? null)}</code>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
