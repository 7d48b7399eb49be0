/**
 * Replay many executions (M7.3): the rows picked in the run log, or every
 * execution its filters match. They run one after the other, oldest first,
 * as `hookline executions replay` runs them, with the progress shown and a
 * summary at the end: how many succeeded, how many failed, and which were
 * not replayed and why.
 */
import { useEffect, useId, useRef, useState } from 'react';

import type { Execution, ExecutionSummary, ReplayArgs } from '../../api';
import { StatusBadge } from '../../components/Badges';
import { Dialog } from '../../components/Dialog';
import { RouteLink } from '../../components/RouteLink';
import { useApi } from '../../lib/apiContext';
import { listArgs, type RunFilters } from '../../lib/runFilters';
import { LoaderCircle, RotateCcw, TriangleAlert } from '../../lib/uiIcons';
import { toApiError } from '../../platform/types';

type Version = NonNullable<ReplayArgs['version']>;
type From = NonNullable<ReplayArgs['from']>;

/** The most a replay of everything matching picks, as on the command line. */
export const REPLAY_ALL_LIMIT = 1000;

/** Which executions: the ones picked (newest first, as listed), or the filters' matches. */
export type BulkSource = { kind: 'picked'; ids: string[] } | { kind: 'matching'; filters: RunFilters };

type Outcome = { id: string; kind: 'replayed'; replay: Execution } | { id: string; kind: 'refused'; reason: string };

type Phase =
  | { name: 'counting' }
  | { name: 'choosing' }
  | { name: 'running'; done: number; current: string }
  | { name: 'finished'; stopped: boolean };

const VERSIONS: { id: Version; label: string }[] = [
  { id: 'ran', label: 'The version each ran' },
  { id: 'latest', label: 'The latest published version' },
  { id: 'draft', label: 'The draft, as saved' },
];

export function summarize(outcomes: Outcome[]) {
  const replayed = outcomes.flatMap((o) => (o.kind === 'replayed' ? [o.replay] : []));
  return {
    succeeded: replayed.filter((r) => r.status === 'succeeded').length,
    failed: replayed.filter((r) => r.status !== 'succeeded').length,
    refused: outcomes.filter((o) => o.kind === 'refused').length,
  };
}

export function BulkReplayDialog({ source, onClose }: { source: BulkSource; onClose: () => void }) {
  const api = useApi();
  const formId = useId();
  // Oldest first: a replay of several follows the order they first ran in.
  const [ids, setIds] = useState<string[]>(() => (source.kind === 'picked' ? [...source.ids].reverse() : []));
  const [capped, setCapped] = useState(false);
  const [phase, setPhase] = useState<Phase>(source.kind === 'picked' ? { name: 'choosing' } : { name: 'counting' });
  const [countError, setCountError] = useState<string | null>(null);
  const [version, setVersion] = useState<Version>('ran');
  const [from, setFrom] = useState<From>('trigger');
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const stop = useRef(false);
  const open = useRef(true);
  useEffect(() => {
    open.current = true;
    return () => {
      // Closing the dialog stops the run after the replay under way.
      open.current = false;
      stop.current = true;
    };
  }, []);

  useEffect(() => {
    if (source.kind !== 'matching') return;
    let live = true;
    api
      .listExecutions(listArgs(source.filters, null, REPLAY_ALL_LIMIT))
      .then((matches: ExecutionSummary[]) => {
        if (!live) return;
        setIds(matches.map((m) => m.id).reverse());
        setCapped(matches.length === REPLAY_ALL_LIMIT);
        setPhase({ name: 'choosing' });
      })
      .catch((error) => {
        if (live) setCountError(toApiError(error).message);
      });
    return () => {
      live = false;
    };
  }, [api, source]);

  const run = async () => {
    stop.current = false;
    const done: Outcome[] = [];
    for (const [n, id] of ids.entries()) {
      if (stop.current) break;
      setPhase({ name: 'running', done: n, current: id });
      try {
        const replay = await api.replayExecution({ id, version, from });
        done.push({ id, kind: 'replayed', replay });
      } catch (error) {
        done.push({ id, kind: 'refused', reason: toApiError(error).message });
      }
      if (open.current) setOutcomes([...done]);
    }
    if (open.current) setPhase({ name: 'finished', stopped: done.length < ids.length });
  };

  const count = `${ids.length} execution${ids.length === 1 ? '' : 's'}`;
  const totals = summarize(outcomes);
  const refused = outcomes.flatMap((o) => (o.kind === 'refused' ? [o] : []));
  const replays = outcomes.flatMap((o) => (o.kind === 'replayed' ? [o] : []));

  const footer =
    phase.name === 'running' ? (
      <button
        type="button"
        className="btn"
        onClick={() => {
          stop.current = true;
        }}
      >
        Stop after this one
      </button>
    ) : phase.name === 'finished' ? (
      <button type="button" className="btn btn-primary" onClick={onClose}>
        Done
      </button>
    ) : (
      <>
        <button type="button" className="btn" onClick={onClose}>
          Cancel
        </button>
        <button
          type="submit"
          form={formId}
          className="btn btn-primary"
          disabled={phase.name !== 'choosing' || ids.length === 0}
        >
          <RotateCcw size={15} aria-hidden="true" /> Replay {count}
        </button>
      </>
    );

  return (
    <Dialog
      title={source.kind === 'picked' ? 'Replay the selected executions' : 'Replay all matching'}
      onClose={
        phase.name === 'running'
          ? () => {
              // Escape while replaying asks to stop; the dialog stays to show what was done.
              stop.current = true;
            }
          : onClose
      }
      wide
      testId="bulk-replay-dialog"
      footer={footer}
    >
      {phase.name === 'counting' &&
        (countError ? (
          <p className="field-error" role="alert">
            <TriangleAlert size={13} aria-hidden="true" /> {countError}
          </p>
        ) : (
          <p className="muted small">
            <LoaderCircle size={14} className="spin" aria-hidden="true" /> Finding the executions that match…
          </p>
        ))}

      {phase.name === 'choosing' && (
        <form
          id={formId}
          className="form"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void run();
          }}
        >
          <p data-testid="bulk-count">
            {ids.length === 0 ? 'No execution to replay.' : `${count}, oldest first, one after the other.`}
            {capped && ` Only the newest ${REPLAY_ALL_LIMIT} matching are picked; narrow the filters for the others.`}
          </p>
          <fieldset className="run-version">
            <legend className="field-label">Version</legend>
            {VERSIONS.map((v) => (
              <label key={v.id} className="checkbox">
                <input
                  type="radio"
                  name={`${formId}-version`}
                  value={v.id}
                  checked={version === v.id}
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
                checked={from === 'trigger'}
                onChange={() => setFrom('trigger')}
              />
              <span>The trigger</span>
            </label>
            <label className="checkbox">
              <input
                type="radio"
                name={`${formId}-from`}
                value="failed"
                checked={from === 'failed'}
                onChange={() => setFrom('failed')}
              />
              <span>The failed step (executions that did not fail are not replayed)</span>
            </label>
          </fieldset>
        </form>
      )}

      {phase.name === 'running' && (
        <div className="bulk-progress" data-testid="bulk-progress">
          <progress max={ids.length} value={phase.done} aria-label="Replays done" />
          <p className="small" role="status">
            Replaying {phase.done + 1} of {ids.length}: <code>{phase.current}</code>
          </p>
        </div>
      )}

      {phase.name === 'finished' && (
        <div data-testid="bulk-summary">
          <p role="status">
            {phase.stopped ? `Stopped after ${outcomes.length} of ${ids.length}` : `Replayed ${ids.length}`}:{' '}
            <strong data-testid="bulk-succeeded">{totals.succeeded} succeeded</strong>,{' '}
            <strong data-testid="bulk-failed">{totals.failed} failed</strong>,{' '}
            <strong data-testid="bulk-refused">{totals.refused} not replayed</strong>.
          </p>
          {refused.length > 0 && (
            <>
              <h3>Not replayed</h3>
              <ul className="bulk-outcomes" aria-label="Not replayed">
                {refused.map((o) => (
                  <li key={o.id} data-testid="bulk-refusal">
                    <RouteLink to={{ name: 'execution', executionId: o.id }}>
                      <code>{o.id}</code>
                    </RouteLink>
                    : <span className="field-error small">{o.reason}</span>
                  </li>
                ))}
              </ul>
            </>
          )}
          {replays.length > 0 && (
            <>
              <h3>Replays</h3>
              <ul className="bulk-outcomes" aria-label="Replays">
                {replays.map((o) => (
                  <li key={o.id} data-testid="bulk-replay">
                    <code>{o.id}</code> →{' '}
                    <RouteLink to={{ name: 'execution', executionId: o.replay.id }}>
                      <code>{o.replay.id}</code>
                    </RouteLink>{' '}
                    <StatusBadge status={o.replay.status} />
                    {o.replay.error && <span className="field-error small"> {o.replay.error}</span>}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </Dialog>
  );
}
