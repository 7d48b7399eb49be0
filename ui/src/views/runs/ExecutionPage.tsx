/**
 * One execution on its own page, `#/runs/<id>` (M7.2): what started it and
 * with what, each step's input, output, error and attempts, a timeline of
 * the steps, and the ways on from there: replay it, copy its request as curl,
 * see the failed step on the canvas. A replay is shown beside its original.
 */
import { useState, type ReactNode } from 'react';

import type { Execution } from '../../api';
import { StatusBadge } from '../../components/Badges';
import { JsonTree } from '../../components/JsonTree';
import { RouteLink } from '../../components/RouteLink';
import { useApi } from '../../lib/apiContext';
import { curlCommand, hookRequestOf, listenerBase } from '../../lib/curl';
import { copyWithToast } from '../../lib/exports';
import { formatDuration, formatRelative, formatTimestamp } from '../../lib/format';
import { useExecution, useFlows, useSettings } from '../../lib/queries';
import { useRouter } from '../../lib/router';
import { toast } from '../../lib/toast';
import { ChevronRight, Crosshair, LoaderCircle, RotateCcw, Terminal, TriangleAlert } from '../../lib/uiIcons';
import { toApiError } from '../../platform/types';
import { ReplayCompare } from './ReplayCompare';
import { ReplayDialog } from './ReplayDialog';
import { StepList, StepTimeline } from './StepRuns';

function When({ iso }: { iso: string | null }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {formatTimestamp(iso)} <span className="muted small">({formatRelative(iso)})</span>
    </time>
  );
}

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

export function ExecutionPage({ executionId }: { executionId: string }) {
  const execution = useExecution(executionId);
  return (
    <section className="page execution-page" aria-labelledby="execution-title">
      <nav className="crumbs" aria-label="Breadcrumb">
        <RouteLink to={{ name: 'runs' }}>Run log</RouteLink>
        <ChevronRight size={14} aria-hidden="true" />
      </nav>
      {execution.isPending ? (
        <p className="muted pad">
          <LoaderCircle size={16} className="spin" aria-hidden="true" /> Loading the execution…
        </p>
      ) : execution.isError ? (
        <div className="empty" role="alert">
          <h1 id="execution-title">
            Execution <code>{executionId}</code>
          </h1>
          <p>{toApiError(execution.error).message}</p>
          <RouteLink to={{ name: 'runs' }} className="btn">
            Back to the run log
          </RouteLink>
        </div>
      ) : (
        <ExecutionView execution={execution.data} />
      )}
    </section>
  );
}

function ExecutionView({ execution: e }: { execution: Execution }) {
  const api = useApi();
  const navigate = useRouter((s) => s.navigate);
  const flows = useFlows();
  const request = hookRequestOf(e.input);
  const settings = useSettings(request !== null);
  const [replaying, setReplaying] = useState(false);
  const flowName = flows.data?.find((f) => f.id === e.flowId)?.name ?? e.flowId;
  const failedName = e.steps.find((s) => s.stepId === e.failedStep)?.name ?? e.failedStep;
  const ended = e.status !== 'queued' && e.status !== 'running';
  const curl = request && settings.data ? curlCommand(request, listenerBase(settings.data)) : null;
  const params = Object.entries(e.params);

  return (
    <>
      <header className="page-header">
        <h1 id="execution-title" className="execution-title">
          Execution <code data-testid="execution-id">{e.id}</code>{' '}
          <StatusBadge status={e.status} testId="execution-status" />
        </h1>
        <div className="toolbar">
          <button
            type="button"
            className="btn btn-primary"
            disabled={!ended}
            title={ended ? 'Run it again as a new execution' : 'It can be replayed once it has ended'}
            onClick={() => setReplaying(true)}
          >
            <RotateCcw size={15} aria-hidden="true" /> Replay…
          </button>
          {request && (
            <button
              type="button"
              className="btn"
              disabled={curl === null}
              title="A curl command sending this request to the hook again (secret headers stay masked)"
              onClick={() => curl && void copyWithToast(api, curl, 'curl command')}
            >
              <Terminal size={15} aria-hidden="true" /> Copy as curl
            </button>
          )}
          {e.failedStep && (
            <RouteLink
              to={{ name: 'designer', flowId: e.flowId, step: e.failedStep, failed: true }}
              className="btn"
              title="Open the flow in the designer with the failed step selected"
            >
              <Crosshair size={15} aria-hidden="true" /> Show on canvas
            </RouteLink>
          )}
        </div>
      </header>

      {e.error && (
        <p className="execution-failure" role="status" data-testid="execution-error">
          <TriangleAlert size={15} aria-hidden="true" />
          <span>
            {e.failedStep ? <strong>{failedName}: </strong> : null}
            {e.error}
          </span>
        </p>
      )}

      <dl className="facts card">
        <Fact label="Flow" testId="execution-flow">
          <RouteLink to={{ name: 'designer', flowId: e.flowId }}>{flowName}</RouteLink>
        </Fact>
        <Fact label="Version" testId="execution-version">
          {e.version === null ? 'draft' : `v${e.version}`}
        </Fact>
        <Fact label="Trigger" testId="execution-trigger">
          {e.trigger}
        </Fact>
        <Fact label="Created">
          <When iso={e.createdAt} />
        </Fact>
        <Fact label="Started">
          <When iso={e.startedAt} />
        </Fact>
        <Fact label="Finished">
          <When iso={e.finishedAt} />
        </Fact>
        <Fact label="Duration" testId="execution-duration">
          {formatDuration(e.durationMs)}
        </Fact>
        {e.replayOf && (
          <Fact label="Replay of" testId="execution-replay-of">
            <RouteLink to={{ name: 'execution', executionId: e.replayOf }}>
              <code>{e.replayOf}</code>
            </RouteLink>
          </Fact>
        )}
      </dl>

      <section className="card execution-section" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Timeline</h2>
        <StepTimeline execution={e} />
      </section>

      <div className="execution-columns">
        <section className="card execution-section" aria-labelledby="input-title">
          <h2 id="input-title">Trigger input</h2>
          <JsonTree value={e.input} label="Trigger input" testId="execution-input" />
          {curl && (
            <details className="step-section">
              <summary>curl command</summary>
              <pre className="json curl" data-testid="execution-curl">
                {curl}
              </pre>
            </details>
          )}
        </section>
        <section className="card execution-section" aria-labelledby="params-title">
          <h2 id="params-title">Parameters</h2>
          {params.length === 0 ? (
            <p className="muted small">The flow has no parameters.</p>
          ) : (
            <JsonTree value={e.params} label="Parameters" testId="execution-params" />
          )}
        </section>
      </div>

      <section className="card execution-section" aria-labelledby="steps-title">
        <h2 id="steps-title">Steps</h2>
        <StepList execution={e} />
      </section>

      {e.reply && (
        <section className="card execution-section" aria-labelledby="reply-title">
          <h2 id="reply-title">Reply ({e.reply.status})</h2>
          <JsonTree value={e.reply} label="Reply" />
        </section>
      )}

      {e.replayOf && <ReplayCompare replay={e} originalId={e.replayOf} />}

      {replaying && (
        <ReplayDialog
          execution={e}
          onClose={() => setReplaying(false)}
          onReplayed={(replay) => {
            setReplaying(false);
            const what = `Replay ${replay.status}`;
            if (replay.status === 'succeeded') toast.success(`${what} in ${formatDuration(replay.durationMs)}`);
            else toast.failure(`${what}${replay.error ? `: ${replay.error}` : ''}`);
            void navigate({ name: 'execution', executionId: replay.id });
          }}
        />
      )}
    </>
  );
}
