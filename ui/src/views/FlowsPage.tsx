import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';

import type { FlowSummary } from '../api';
import { LiveBadge, StatusBadge, VersionBadge } from '../components/Badges';
import { Dialog } from '../components/Dialog';
import { useApi } from '../lib/apiContext';
import { confirmAction } from '../lib/confirm';
import { exportFlowFile, exportOpenApi } from '../lib/exports';
import { formatDateTime, formatRelative } from '../lib/format';
import { keys, useFlows } from '../lib/queries';
import { useRouter } from '../lib/router';
import { toast } from '../lib/toast';
import { CopyPlus, Download, FileJson, Pencil, Plus, Trash2, Upload, Workflow } from '../lib/uiIcons';

export function FlowsPage() {
  const api = useApi();
  const client = useQueryClient();
  const flows = useFlows();
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

  return (
    <section className="page" aria-labelledby="flows-title">
      <header className="page-header">
        <h1 id="flows-title">Flows</h1>
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
        <table className="table" aria-label="Flows">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">State</th>
              <th scope="col">Version</th>
              <th scope="col">Last run</th>
              <th scope="col">Updated</th>
              <th scope="col" className="actions-col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((flow) => (
              <tr
                key={flow.id}
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
                    {flow.nextFireAt ? (
                      <span data-testid="flow-next-fire"> · next fire {formatDateTime(flow.nextFireAt)}</span>
                    ) : null}
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
                <td>
                  {flow.lastExecution ? (
                    <StatusBadge status={flow.lastExecution} testId="flow-last-run" />
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td className="muted" title={flow.updatedAt}>
                  {formatRelative(flow.updatedAt)}
                </td>
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
            ))}
          </tbody>
        </table>
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
