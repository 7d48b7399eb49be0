import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';

import type { FlowActivity, FlowSummary } from '../api';
import { LiveBadge, StatusBadge, VersionBadge } from '../components/Badges';
import { Dialog } from '../components/Dialog';
import { RouteLink } from '../components/RouteLink';
import { Sparkline } from '../components/Sparkline';
import { useApi } from '../lib/apiContext';
import { confirmAction } from '../lib/confirm';
import { exportFlowFile, exportOpenApi } from '../lib/exports';
import { formatDateTime, formatRelative } from '../lib/format';
import { keys, useDashboard, useFlows } from '../lib/queries';
import { useRouter } from '../lib/router';
import { localDate } from '../lib/runFilters';
import { toast } from '../lib/toast';
import { CopyPlus, Download, FileJson, Pencil, Plus, Trash2, Upload, Workflow } from '../lib/uiIcons';

/**
 * The landing page: every flow with what it does today (M7.5) — live or
 * stopped, runs and failures since midnight, the last run, the next
 * scheduled fire and its last 24 hours — and the flow list's actions:
 * create, import, open, rename, duplicate, export, delete.
 */
export function FlowsPage() {
  const api = useApi();
  const client = useQueryClient();
  const flows = useFlows();
  const dashboard = useDashboard();
  const navigate = useRouter((s) => s.navigate);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<FlowSummary | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const refresh = () => void client.invalidateQueries({ queryKey: keys.flows });

  const onImport = async (file: File | undefined) => {
    if (!file) return;
    try {
      const text = await file.text();
      const saved = await api.importFlow(text);
      refresh();
      const note =
        saved.problems.length > 0
          ? ` (${saved.problems.length} problem${saved.problems.length === 1 ? '' : 's'} to fix before publishing)`
          : '';
      toast.success(`${saved.created ? 'Imported' : 'Updated the draft of'} ${file.name}${note}`, {
        action: { label: 'Open', run: () => void navigate({ name: 'designer', flowId: saved.flowId }) },
      });
    } catch (error) {
      toast.error(error, `Could not import ${file.name}`);
    } finally {
      if (fileInput.current) fileInput.current.value = '';
    }
  };

  const onDuplicate = async (flow: FlowSummary) => {
    try {
      const saved = await api.duplicateFlow(flow.id);
      refresh();
      toast.success(`Duplicated ${flow.name}`, {
        action: { label: 'Open', run: () => void navigate({ name: 'designer', flowId: saved.flowId }) },
      });
    } catch (error) {
      toast.error(error, 'Duplicate failed');
    }
  };

  const onDelete = async (flow: FlowSummary) => {
    const ok = await confirmAction({
      title: `Delete ${flow.name}?`,
      message: `The flow, its versions and its draft are removed${flow.live ? ', and its live hook stops answering' : ''}. This cannot be undone.`,
      confirmLabel: 'Delete flow',
      danger: true,
    });
    if (!ok) return;
    try {
      await api.deleteFlow(flow.id);
      refresh();
      toast.success(`Deleted ${flow.name}`);
    } catch (error) {
      toast.error(error, 'Delete failed');
    }
  };

  const list = flows.data ?? [];
  const sorted = [...list].sort((a, b) => a.name.localeCompare(b.name));
  const activity = new Map((dashboard.data ?? []).map((a) => [a.flowId, a]));
  const today = localDate();

  return (
    <section className="page dashboard" aria-labelledby="flows-title">
      <header className="page-header">
        <div>
          <h1 id="flows-title">Dashboard</h1>
          {dashboard.data && dashboard.data.length > 0 && <TodaySummary activity={dashboard.data} today={today} />}
        </div>
        <div className="toolbar">
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            <Plus size={16} aria-hidden="true" /> New flow
          </button>
          <button type="button" className="btn" onClick={() => fileInput.current?.click()}>
            <Upload size={16} aria-hidden="true" /> Import flow
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => void exportOpenApi(api)}
            title="OpenAPI document of every live hook"
          >
            <FileJson size={16} aria-hidden="true" /> OpenAPI of live hooks
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,application/json"
            className="visually-hidden"
            aria-label="Flow file to import"
            data-testid="import-file"
            tabIndex={-1}
            onChange={(e) => void onImport(e.target.files?.[0])}
          />
        </div>
      </header>

      {flows.isPending ? (
        <p className="muted pad">Loading flows…</p>
      ) : flows.isError ? (
        <div className="empty" role="alert">
          <p>Could not load flows: {flows.error && (flows.error as { message?: string }).message}</p>
          <button type="button" className="btn" onClick={() => void flows.refetch()}>
            Try again
          </button>
        </div>
      ) : sorted.length === 0 ? (
        <div className="empty" data-testid="flows-empty">
          <Workflow size={40} aria-hidden="true" className="empty-icon" />
          <h2>No flows yet</h2>
          <p className="muted">
            A flow starts with a trigger, such as a webhook, and runs actions: HTTP calls, transforms, conditions,
            replies.
          </p>
          <div className="toolbar">
            <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
              <Plus size={16} aria-hidden="true" /> Design your first flow
            </button>
            <button type="button" className="btn" onClick={() => fileInput.current?.click()}>
              <Upload size={16} aria-hidden="true" /> Open a flow file
            </button>
          </div>
        </div>
      ) : (
        <>
          {dashboard.isError && (
            <p className="notice" role="status">
              Today&apos;s activity could not be read: {(dashboard.error as { message?: string }).message}
            </p>
          )}
          <table className="table flows-table" aria-label="Flows">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">State</th>
                <th scope="col">Version</th>
                <th scope="col" className="num">
                  Runs today
                </th>
                <th scope="col" className="num">
                  Failed today
                </th>
                <th scope="col">Last run</th>
                <th scope="col">Next fire</th>
                <th scope="col">Last 24 hours</th>
                <th scope="col" className="actions-col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((flow) => {
                const a = activity.get(flow.id);
                const nextFire = a ? a.nextFire : flow.nextFireAt;
                return (
                  <tr
                    key={flow.id}
                    className={a && a.failedToday > 0 ? 'has-failures' : undefined}
                    data-testid="flow-row"
                    data-flow-id={flow.id}
                    onClick={(e) => {
                      // The whole row opens the flow, except its own buttons and link.
                      if ((e.target as HTMLElement).closest('button, a, input')) return;
                      void navigate({ name: 'designer', flowId: flow.id });
                    }}
                  >
                    <td>
                      <a
                        href={`#/flows/${encodeURIComponent(flow.id)}`}
                        className="flow-link"
                        onClick={(e) => {
                          e.preventDefault();
                          void navigate({ name: 'designer', flowId: flow.id });
                        }}
                      >
                        {flow.name}
                      </a>
                      <div className="muted small">
                        {/* A published flow's hook answers under its live slug; the draft's takes effect when published. */}
                        {(flow.latestVersion !== null ? flow.liveSlug : flow.slug) ? (
                          <code>/hook/{flow.latestVersion !== null ? flow.liveSlug : flow.slug}</code>
                        ) : (
                          <code>{flow.id}</code>
                        )}
                        {flow.description ? ` · ${flow.description}` : ''}
                        <span title={flow.updatedAt}> · edited {formatRelative(flow.updatedAt)}</span>
                      </div>
                    </td>
                    <td>
                      <LiveBadge live={flow.live} testId="flow-state" />
                    </td>
                    <td>
                      <VersionBadge
                        latestVersion={flow.latestVersion}
                        draftChanged={flow.draftChanged}
                        testId="flow-version"
                      />
                    </td>
                    <td className="num">
                      {a ? (
                        <RouteLink
                          to={{ name: 'runs', filters: { flow: flow.id, since: today } }}
                          className="count-link"
                          testId="flow-runs-today"
                          title={`Today's runs of ${flow.name}`}
                        >
                          {a.runsToday}
                        </RouteLink>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td className="num">
                      {a && a.failedToday > 0 ? (
                        <RouteLink
                          to={{ name: 'runs', filters: { flow: flow.id, status: 'failed', since: today } }}
                          className="badge badge-danger count-link"
                          testId="flow-failed-today"
                          title={`Today's failed runs of ${flow.name}`}
                        >
                          {a.failedToday} failed
                        </RouteLink>
                      ) : a ? (
                        <span className="muted" data-testid="flow-failed-today">
                          0
                        </span>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td>
                      <LastRun activity={a} status={flow.lastExecution} />
                    </td>
                    <td className="next-fire">
                      {nextFire ? (
                        <time dateTime={nextFire} title={nextFire} data-testid="flow-next-fire">
                          {formatDateTime(nextFire)}
                        </time>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td>{a ? <Sparkline hours={a.hours} width={96} /> : <span className="muted">—</span>}</td>
                    <td className="row-actions">
                      <button
                        type="button"
                        className="icon-btn"
                        aria-label={`Rename ${flow.name}`}
                        title="Rename"
                        onClick={() => setRenaming(flow)}
                      >
                        <Pencil size={16} aria-hidden="true" />
                      </button>
                      <button
                        type="button"
                        className="icon-btn"
                        aria-label={`Duplicate ${flow.name}`}
                        title="Duplicate"
                        onClick={() => void onDuplicate(flow)}
                      >
                        <CopyPlus size={16} aria-hidden="true" />
                      </button>
                      <button
                        type="button"
                        className="icon-btn"
                        aria-label={`Export ${flow.name}`}
                        title="Export flow file"
                        onClick={() => void exportFlowFile(api, flow.id, flow.name)}
                      >
                        <Download size={16} aria-hidden="true" />
                      </button>
                      <button
                        type="button"
                        className="icon-btn icon-btn-danger"
                        aria-label={`Delete ${flow.name}`}
                        title="Delete"
                        onClick={() => void onDelete(flow)}
                      >
                        <Trash2 size={16} aria-hidden="true" />
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}

      {creating && (
        <NewFlowDialog
          onClose={() => setCreating(false)}
          onCreated={(flowId) => {
            setCreating(false);
            refresh();
            void navigate({ name: 'designer', flowId });
          }}
        />
      )}
      {renaming && <RenameDialog flow={renaming} onClose={() => setRenaming(null)} onDone={refresh} />}
    </section>
  );
}

/** Today across every flow, with the way to today's failures. */
function TodaySummary({ activity, today }: { activity: FlowActivity[]; today: string }) {
  const runs = activity.reduce((n, a) => n + a.runsToday, 0);
  const failed = activity.reduce((n, a) => n + a.failedToday, 0);
  const live = activity.filter((a) => a.live).length;
  return (
    <p className="muted small dashboard-summary" data-testid="dashboard-summary">
      Today: {runs} run{runs === 1 ? '' : 's'},{' '}
      {failed > 0 ? (
        <RouteLink to={{ name: 'runs', filters: { status: 'failed', since: today } }} className="failed-text">
          {failed} failed
        </RouteLink>
      ) : (
        '0 failed'
      )}{' '}
      · {live} of {activity.length} flow{activity.length === 1 ? '' : 's'} live
    </p>
  );
}

/** The flow's last run with its status and when, opening it; the status alone until the activity is read. */
function LastRun({ activity, status }: { activity: FlowActivity | undefined; status: FlowSummary['lastExecution'] }) {
  const run = activity?.lastRun;
  if (run) {
    return (
      <RouteLink to={{ name: 'execution', executionId: run.id }} className="last-run" title={run.createdAt}>
        <StatusBadge status={run.status} testId="flow-last-run" />{' '}
        <span className="muted small">{formatRelative(run.createdAt)}</span>
      </RouteLink>
    );
  }
  if (status && !activity) return <StatusBadge status={status} testId="flow-last-run" />;
  return <span className="muted">—</span>;
}

function NewFlowDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (flowId: string) => void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setError('Give the flow a name');
      input.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const saved = await api.createFlow(name.trim());
      onCreated(saved.flowId);
    } catch (e) {
      setError((e as { message?: string }).message ?? 'Could not create the flow');
      setBusy(false);
    }
  };

  return (
    <Dialog title="New flow" onClose={onClose} initialFocus={input} testId="new-flow-dialog">
      <form onSubmit={(e) => void submit(e)} className="form">
        <label className="field-label" htmlFor="new-flow-name">
          Flow name
        </label>
        <input
          id="new-flow-name"
          ref={input}
          className="input"
          value={name}
          placeholder="Pets from webhook"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'new-flow-error' : undefined}
          onChange={(e) => {
            setName(e.target.value);
            setError(null);
          }}
        />
        {error && (
          <p id="new-flow-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy}>
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function RenameDialog({ flow, onClose, onDone }: { flow: FlowSummary; onClose: () => void; onDone: () => void }) {
  const api = useApi();
  const [name, setName] = useState(flow.name);
  const [description, setDescription] = useState(flow.description);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setError('A flow needs a name');
      return;
    }
    try {
      await api.renameFlow(flow.id, name.trim(), description);
      onDone();
      onClose();
      toast.success(`Renamed to ${name.trim()}`);
    } catch (e) {
      setError((e as { message?: string }).message ?? 'Rename failed');
    }
  };

  return (
    <Dialog title={`Rename ${flow.name}`} onClose={onClose} initialFocus={input}>
      <form onSubmit={(e) => void submit(e)} className="form">
        <label className="field-label" htmlFor="rename-name">
          Flow name
        </label>
        <input id="rename-name" ref={input} className="input" value={name} onChange={(e) => setName(e.target.value)} />
        <label className="field-label" htmlFor="rename-description">
          Description
        </label>
        <textarea
          id="rename-description"
          className="input"
          rows={3}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary">
            Rename
          </button>
        </div>
      </form>
    </Dialog>
  );
}
