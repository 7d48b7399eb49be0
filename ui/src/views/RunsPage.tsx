/**
 * The run log (M7.1): every flow's executions, newest first, a page at a
 * time, filtered by flow, status, trigger, time and id; the filters live in
 * the address so a link shows the same list. Rows open the execution's page,
 * and can be picked to replay together (M7.3). Core events keep the loaded
 * pages current as executions progress.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

import type { ExecutionSummary } from '../api';
import { StatusBadge } from '../components/Badges';
import { RouteLink } from '../components/RouteLink';
import { formatDuration, formatRelative, formatTimestamp } from '../lib/format';
import { useFlows, useRunLog } from '../lib/queries';
import { useRouter } from '../lib/router';
import {
  cleanFilters,
  hasFilters,
  runFiltersQuery,
  STATUSES,
  TIME_RANGES,
  timeRangeOf,
  TRIGGERS,
  type RunFilters,
} from '../lib/runFilters';
import { LoaderCircle, RotateCcw, Search, TriangleAlert, X } from '../lib/uiIcons';
import { toApiError } from '../platform/types';
import { BulkReplayDialog, type BulkSource } from './runs/BulkReplayDialog';

/** How long the search box waits after the last keystroke before it filters. */
export const SEARCH_DELAY_MS = 300;

const NO_SELECTION: ReadonlySet<string> = new Set();

/**
 * A typed filter: kept as typed while it is edited, applied on Enter or when
 * the field is left, and, for a `live` one, a moment after typing stops.
 */
function TextFilter({
  id,
  label,
  value,
  placeholder,
  live,
  type = 'text',
  onCommit,
}: {
  id: string;
  label: string;
  value: string | undefined;
  placeholder: string;
  live?: boolean;
  type?: 'text' | 'search';
  onCommit: (value: string) => void;
}) {
  const [text, setText] = useState(value ?? '');
  // The address changed under the field (a link, Back, Clear filters): show what it says.
  const [shown, setShown] = useState(value ?? '');
  if ((value ?? '') !== shown) {
    setShown(value ?? '');
    // What was typed stays as typed (a trailing space) when it is what the address now says.
    if (text.trim() !== (value ?? '')) setText(value ?? '');
  }
  const commit = useRef(onCommit);
  commit.current = onCommit;
  useEffect(() => {
    if (!live || text.trim() === (value ?? '')) return;
    const timer = setTimeout(() => commit.current(text.trim()), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [live, text, value]);
  const apply = () => {
    if (text.trim() !== (value ?? '')) onCommit(text.trim());
  };
  return (
    <div className="filter-field">
      <label className="field-label" htmlFor={id}>
        {label}
      </label>
      <input
        id={id}
        type={type}
        className="input"
        value={text}
        placeholder={placeholder}
        onChange={(e) => setText(e.target.value)}
        onBlur={apply}
        onKeyDown={(e: KeyboardEvent<HTMLInputElement>) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            apply();
          }
        }}
      />
    </div>
  );
}

export function RunsPage({ filters }: { filters: RunFilters }) {
  const flows = useFlows();
  const replace = useRouter((s) => s.replace);
  const navigate = useRouter((s) => s.navigate);
  const log = useRunLog(filters);
  const filtersKey = runFiltersQuery(filters);
  // A selection belongs to one list: other filters start with none picked.
  const [selection, setSelection] = useState<{ key: string; ids: ReadonlySet<string> }>({
    key: filtersKey,
    ids: NO_SELECTION,
  });
  const selected = selection.key === filtersKey ? selection.ids : NO_SELECTION;
  const [customTime, setCustomTime] = useState(false);
  const [bulk, setBulk] = useState<BulkSource | null>(null);
  const selectAll = useRef<HTMLInputElement>(null);

  const rows: ExecutionSummary[] = log.data?.pages.flat() ?? [];
  const flowName = (id: string) => flows.data?.find((f) => f.id === id)?.name ?? id;
  const range = timeRangeOf(filters);
  const showTimes = range === 'custom' || customTime;
  const picked = rows.filter((r) => selected.has(r.id));
  const allPicked = rows.length > 0 && picked.length === rows.length;

  useEffect(() => {
    if (selectAll.current) selectAll.current.indeterminate = picked.length > 0 && !allPicked;
  }, [picked.length, allPicked]);

  const setFilters = (patch: Partial<RunFilters>) =>
    replace({ name: 'runs', filters: cleanFilters({ ...filters, ...patch }) });
  const pick = (ids: ReadonlySet<string>) => setSelection({ key: filtersKey, ids });
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    pick(next);
  };

  return (
    <section className="page runs-page" aria-labelledby="runs-title">
      <header className="page-header">
        <h1 id="runs-title">Run log</h1>
        <div className="toolbar">
          <button
            type="button"
            className="btn"
            disabled={picked.length === 0}
            onClick={() => setBulk({ kind: 'picked', ids: picked.map((r) => r.id) })}
          >
            <RotateCcw size={15} aria-hidden="true" /> Replay selected{picked.length > 0 ? ` (${picked.length})` : ''}
          </button>
          <button
            type="button"
            className="btn"
            disabled={rows.length === 0}
            title="Replay every execution these filters match, oldest first"
            onClick={() => setBulk({ kind: 'matching', filters: cleanFilters(filters) })}
          >
            <RotateCcw size={15} aria-hidden="true" /> Replay all matching…
          </button>
        </div>
      </header>

      <form className="run-filters" role="search" aria-label="Filter the run log" onSubmit={(e) => e.preventDefault()}>
        <div className="filter-field">
          <label className="field-label" htmlFor="runs-flow">
            Flow
          </label>
          <select
            id="runs-flow"
            className="input"
            value={filters.flow ?? ''}
            onChange={(e) => setFilters({ flow: e.target.value })}
          >
            <option value="">All flows</option>
            {(flows.data ?? []).map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
            {filters.flow && !flows.data?.some((f) => f.id === filters.flow) && (
              <option value={filters.flow}>{filters.flow}</option>
            )}
          </select>
        </div>
        <div className="filter-field">
          <label className="field-label" htmlFor="runs-status">
            Status
          </label>
          <select
            id="runs-status"
            className="input"
            value={filters.status ?? ''}
            onChange={(e) => setFilters({ status: STATUSES.find((s) => s === e.target.value) })}
          >
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-field">
          <label className="field-label" htmlFor="runs-trigger">
            Trigger
          </label>
          <select
            id="runs-trigger"
            className="input"
            value={filters.trigger ?? ''}
            onChange={(e) => setFilters({ trigger: TRIGGERS.find((t) => t === e.target.value) })}
          >
            <option value="">Any trigger</option>
            {TRIGGERS.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-field">
          <label className="field-label" htmlFor="runs-time">
            Time
          </label>
          <select
            id="runs-time"
            className="input"
            value={showTimes ? 'custom' : range}
            onChange={(e) => {
              const choice = e.target.value;
              setCustomTime(choice === 'custom');
              if (choice === 'custom') return;
              const preset = TIME_RANGES.find((r) => r.id === choice);
              setFilters({ since: preset?.since(), until: undefined });
            }}
          >
            <option value="any">Any time</option>
            {TIME_RANGES.map((r) => (
              <option key={r.id} value={r.id}>
                {r.label}
              </option>
            ))}
            <option value="custom">Between…</option>
          </select>
        </div>
        {showTimes && (
          <>
            <TextFilter
              id="runs-since"
              label="Since"
              value={filters.since}
              placeholder="2h, 2026-12-01 or 2026-12-01T09:30:00Z"
              onCommit={(since) => setFilters({ since })}
            />
            <TextFilter
              id="runs-until"
              label="Until"
              value={filters.until}
              placeholder="the same forms (exclusive)"
              onCommit={(until) => setFilters({ until })}
            />
          </>
        )}
        <TextFilter
          id="runs-search"
          label="Search"
          type="search"
          value={filters.search}
          placeholder="Execution id or TaskID"
          live
          onCommit={(search) => setFilters({ search })}
        />
        {hasFilters(filters) && (
          <button
            type="button"
            className="btn btn-small filter-clear"
            onClick={() => {
              setCustomTime(false);
              replace({ name: 'runs', filters: {} });
            }}
          >
            <X size={14} aria-hidden="true" /> Clear filters
          </button>
        )}
      </form>

      {log.isPending ? (
        <p className="muted pad">
          <LoaderCircle size={16} className="spin" aria-hidden="true" /> Loading…
        </p>
      ) : log.isError ? (
        <p className="field-error pad" role="alert" data-testid="runs-error">
          <TriangleAlert size={14} aria-hidden="true" /> {toApiError(log.error).message}
        </p>
      ) : rows.length === 0 ? (
        hasFilters(filters) ? (
          <div className="empty" data-testid="runs-none-match">
            <Search size={32} aria-hidden="true" className="empty-icon" />
            <h2>No execution matches these filters</h2>
            <p className="muted">Widen the time range or clear the filters to see more.</p>
          </div>
        ) : (
          <div className="empty" data-testid="runs-empty">
            <h2>No runs yet</h2>
            <p className="muted">Runs appear here as hooks are called or flows are run by hand.</p>
          </div>
        )
      ) : (
        <>
          <table className="table runs-table" aria-label="Executions" aria-busy={log.isFetching}>
            <thead>
              <tr>
                <th scope="col" className="check-col">
                  <input
                    ref={selectAll}
                    type="checkbox"
                    aria-label="Select every listed execution"
                    checked={allPicked}
                    onChange={() => pick(allPicked ? NO_SELECTION : new Set(rows.map((r) => r.id)))}
                  />
                </th>
                <th scope="col">Flow</th>
                <th scope="col">Version</th>
                <th scope="col">Trigger</th>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr
                  key={e.id}
                  className={selected.has(e.id) ? 'selected' : undefined}
                  data-testid="execution-row"
                  data-execution-id={e.id}
                  data-status={e.status}
                  onClick={(event) => {
                    // The row opens the execution, except its own checkbox and links.
                    if ((event.target as HTMLElement).closest('button, a, input, label')) return;
                    void navigate({ name: 'execution', executionId: e.id });
                  }}
                >
                  <td className="check-col">
                    <input
                      type="checkbox"
                      aria-label={`Select ${e.id}`}
                      checked={selected.has(e.id)}
                      onChange={() => toggle(e.id)}
                    />
                  </td>
                  <td className="runs-flow">
                    <RouteLink
                      to={{ name: 'execution', executionId: e.id }}
                      className="flow-link"
                      testId="execution-link"
                    >
                      {flowName(e.flowId)}
                    </RouteLink>
                    <div className="muted small">
                      <code>{e.id}</code>
                      {e.replayOf && (
                        <span data-testid="execution-replay-of">
                          {' '}
                          · replay of <code>{e.replayOf}</code>
                        </span>
                      )}
                    </div>
                    {e.error && <div className="execution-error small">{e.error}</div>}
                  </td>
                  <td>{e.version === null ? 'draft' : `v${e.version}`}</td>
                  <td>{e.trigger}</td>
                  <td>
                    <StatusBadge status={e.status} testId="execution-status" />
                  </td>
                  <td>
                    <time dateTime={e.createdAt} title={e.createdAt}>
                      {formatTimestamp(e.createdAt)}
                    </time>
                    <div className="muted small">{formatRelative(e.createdAt)}</div>
                  </td>
                  <td>{formatDuration(e.durationMs)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="runs-footer">
            <span className="muted small" data-testid="runs-count">
              {rows.length} execution{rows.length === 1 ? '' : 's'} listed
              {picked.length > 0 ? `, ${picked.length} selected` : ''}
            </span>
            {log.hasNextPage && (
              <button
                type="button"
                className="btn"
                disabled={log.isFetchingNextPage}
                onClick={() => void log.fetchNextPage()}
              >
                {log.isFetchingNextPage && <LoaderCircle size={15} className="spin" aria-hidden="true" />} Load more
              </button>
            )}
          </div>
        </>
      )}

      {bulk && <BulkReplayDialog source={bulk} onClose={() => setBulk(null)} />}
    </section>
  );
}
