import { useEffect, useId, useMemo, useRef, useState } from 'react';

import type { ApiError } from '../bindings/ApiError';
import type { ButtonView } from '../bindings/ButtonView';
import type { FolderEntry } from '../bindings/FolderEntry';
import { StatusBadge } from '../components/Badges';
import { ExecutionDetail } from '../components/ExecutionList';
import { useApi } from '../lib/apiContext';
import {
  admits,
  contextButtons,
  countProblem,
  editableFields,
  pickerTitle,
  placedAt,
  pressValues,
  ruleText,
  startingValues,
  togglePicked,
  type Picked,
} from '../lib/buttons';
import { findField } from '../lib/dom';
import { ComponentIcon } from '../lib/icons';
import { describeFields } from '../lib/jsonSchema';
import { checkRunValue, refusedField, runFieldSchema, type RunValues } from '../lib/parameters';
import { useButtonFolder, useButtons, useExecution } from '../lib/queries';
import { toApiError } from '../platform/types';
import { ArrowUp, CirclePlay, LoaderCircle, TriangleAlert, X } from '../lib/uiIcons';
import { domId, FieldShell } from './designer/formParts';
import { LiteralWidget } from './designer/fields';

/** A Button opened for pressing, with the items picked so far. */
interface Opened {
  button: ButtonView;
  picked: Picked[];
  /** Changes each time a Button is opened, so its form starts afresh. */
  key: number;
}

/**
 * The Launcher: the Buttons of started flows. Those placed in the toolbar
 * sit along the top, those placed in the launcher are listed; a Button
 * opens its form (legend, editable parameters, path picker), runs through
 * the hook's intake, and the run it started is shown as it progresses.
 */
export function LauncherPage() {
  const buttons = useButtons();
  const [opened, setOpened] = useState<Opened | null>(null);
  const [ran, setRan] = useState<{ executionId: string; label: string } | null>(null);
  const counter = useRef(0);
  const all = useMemo(() => buttons.data ?? [], [buttons.data]);

  const open = (button: ButtonView, picked: Picked[] = []) => {
    counter.current += 1;
    setOpened({ button, picked, key: counter.current });
  };

  // A Button that disappears (its flow stopped) closes its form.
  const openFlow = opened?.button.flowId;
  useEffect(() => {
    if (openFlow && buttons.data && !buttons.data.some((b) => b.flowId === openFlow)) setOpened(null);
  }, [openFlow, buttons.data]);

  const toolbar = placedAt(all, 'toolbar');
  const listed = placedAt(all, 'launcher');
  return (
    <section className="page launcher" aria-labelledby="launcher-title">
      <header className="page-header">
        <h1 id="launcher-title">Launcher</h1>
        {toolbar.length > 0 && (
          <div className="toolbar" role="toolbar" aria-label="Buttons toolbar" data-testid="launcher-toolbar">
            {toolbar.map((button) => (
              <button
                key={button.flowId}
                type="button"
                className="btn"
                data-flow={button.flowId}
                onClick={() => open(button)}
              >
                <ComponentIcon name={button.icon} size={15} aria-hidden="true" /> {button.label}
              </button>
            ))}
          </div>
        )}
      </header>
      {buttons.isPending ? (
        <p className="muted pad">Loading…</p>
      ) : buttons.isError ? (
        <p className="field-error pad">Could not load the Buttons.</p>
      ) : all.length === 0 ? (
        <div className="empty" data-testid="launcher-empty">
          <h2>No Buttons yet</h2>
          <p className="muted">
            A started flow whose webhook trigger declares a <code>button</code> appears here, and on the listener&apos;s{' '}
            <code>/buttons</code> page for the callers its hook admits.
          </p>
        </div>
      ) : (
        <ul className="launcher-grid" aria-label="Buttons">
          {listed.map((button) => (
            <li key={button.flowId}>
              <button
                type="button"
                className={`launcher-card${opened?.button.flowId === button.flowId ? ' active' : ''}`}
                data-testid="launcher-button"
                data-flow={button.flowId}
                onClick={() => open(button)}
              >
                <ComponentIcon name={button.icon} size={20} aria-hidden="true" />
                <span>
                  <span className="launcher-label">{button.label}</span>
                  <span className="muted small launcher-flow">
                    {button.flowName} · v{button.version}
                  </span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {opened && (
        <ButtonForm
          key={opened.key}
          button={opened.button}
          buttons={all}
          initialPicked={opened.picked}
          onOpen={open}
          onClose={() => setOpened(null)}
          onStarted={(executionId) => setRan({ executionId, label: opened.button.label })}
        />
      )}
      {ran && <LiveRun executionId={ran.executionId} label={ran.label} onClose={() => setRan(null)} />}
    </section>
  );
}

/** A Button's form: legend, the parameters it shows, its path picker, and Run. */
function ButtonForm({
  button,
  buttons,
  initialPicked,
  onOpen,
  onClose,
  onStarted,
}: {
  button: ButtonView;
  buttons: ButtonView[];
  initialPicked: Picked[];
  onOpen: (button: ButtonView, picked: Picked[]) => void;
  onClose: () => void;
  onStarted: (executionId: string) => void;
}) {
  const api = useApi();
  const formId = useId();
  const fields = useMemo(() => editableFields(button), [button]);
  const specs = useMemo(() => new Map(describeFields(runFieldSchema(fields)).map((s) => [s.key, s])), [fields]);
  const [values, setValues] = useState<RunValues>(() => startingValues(button));
  const [unreadable, setUnreadable] = useState<Record<string, string | null>>({});
  const [refusals, setRefusals] = useState<Record<string, string>>({});
  const [attempted, setAttempted] = useState(false);
  const [picked, setPicked] = useState<Picked[]>(initialPicked);
  const [general, setGeneral] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fixed = button.fields.filter((f) => !f.editable);
  const picks = button.selection.pick !== 'none';
  const pickProblem = attempted ? countProblem(button.selection, picked.length) : null;

  const fieldKey = (name: string) => `button:${button.flowId}:${name}`;
  const problemOf = (name: string): string | null => {
    if (refusals[name]) return refusals[name]!;
    if (unreadable[name]) return unreadable[name]!;
    const field = fields.find((f) => f.name === name)!;
    if (values[name] === undefined && !attempted) return null;
    return checkRunValue(field, values[name]);
  };

  const submit = async () => {
    setAttempted(true);
    setGeneral(null);
    const bad = fields.find((f) => unreadable[f.name] || checkRunValue(f, values[f.name]) !== null);
    if (bad) {
      findField(document, fieldKey(bad.name))?.focus();
      return;
    }
    if (countProblem(button.selection, picked.length)) return;
    setBusy(true);
    try {
      const pressed = await api.pressButton(
        button.flowId,
        pressValues(button, values),
        picked.map((p) => p.path),
      );
      onStarted(pressed.executionId);
    } catch (error) {
      const refusal: ApiError = toApiError(error);
      const named = refusedField(
        refusal,
        fields.map((f) => f.name),
      );
      if (named) {
        setRefusals({ [named]: refusal.message });
        findField(document, fieldKey(named))?.focus();
      } else {
        setGeneral(refusal.message);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section
      className="panel button-form"
      aria-labelledby={`${formId}-title`}
      data-testid="button-form"
      data-flow={button.flowId}
    >
      <header className="panel-header">
        <h2 id={`${formId}-title`}>
          <ComponentIcon name={button.icon} size={18} aria-hidden="true" /> {button.label}
        </h2>
        <button type="button" className="icon-btn" aria-label="Close the form" onClick={onClose}>
          <X size={16} aria-hidden="true" />
        </button>
      </header>
      <p className="muted small">
        Runs <strong>{button.flowName}</strong> (v{button.version}) through its hook.
      </p>
      {button.legend && (
        <p className="button-legend" data-testid="button-legend">
          {button.legend}
        </p>
      )}
      <form
        id={formId}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) void submit();
        }}
      >
        {fixed.length > 0 && (
          <dl className="button-fixed" aria-label="Set by this Button">
            {fixed.map((f) => (
              <div key={f.name} className="run-value" data-name={f.name}>
                <dt className="mono">{f.name}</dt>
                <dd>
                  <code>{JSON.stringify(f.value)}</code> <span className="muted small">set by this Button</span>
                </dd>
              </div>
            ))}
          </dl>
        )}
        {fields.map((field) => {
          const spec = specs.get(field.name)!;
          const id = domId('button', button.flowId, field.name);
          const problem = problemOf(field.name);
          return (
            <FieldShell
              key={field.name}
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
                dataField={fieldKey(field.name)}
                describedBy={spec.description ? `${id}-hint` : undefined}
                invalid={problem !== null}
                onChange={(v) => {
                  setValues((old) => ({ ...old, [field.name]: v }));
                  setRefusals(({ [field.name]: _gone, ...rest }) => rest);
                }}
                onInvalid={(message) => setUnreadable((u) => ({ ...u, [field.name]: message }))}
              />
            </FieldShell>
          );
        })}
        {picks && (
          <PathPicker
            button={button}
            buttons={buttons}
            picked={picked}
            problem={pickProblem}
            onPick={(item, on) => setPicked((old) => togglePicked(button.selection, old, item, on))}
            onOpen={onOpen}
          />
        )}
        {general && (
          <p className="field-error" role="alert">
            <TriangleAlert size={13} aria-hidden="true" /> {general}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? (
              <LoaderCircle size={15} className="spin" aria-hidden="true" />
            ) : (
              <CirclePlay size={15} aria-hidden="true" />
            )}{' '}
            Run
          </button>
          <button type="button" className="btn" onClick={onClose}>
            Close
          </button>
        </div>
      </form>
    </section>
  );
}

/**
 * Files and folders inside the hook's allowed folders, as the core lists
 * them for the Button's rule: folders open, items the rule takes can be
 * ticked, and an item's menu offers the other Buttons that take it.
 */
function PathPicker({
  button,
  buttons,
  picked,
  problem,
  onPick,
  onOpen,
}: {
  button: ButtonView;
  buttons: ButtonView[];
  picked: Picked[];
  problem: string | null;
  onPick: (item: Picked, on: boolean) => void;
  onOpen: (button: ButtonView, picked: Picked[]) => void;
}) {
  const [path, setPath] = useState<string | null>(null);
  const [parents, setParents] = useState<(string | null)[]>([]);
  const [menu, setMenu] = useState<string | null>(null);
  const listing = useButtonFolder(button.flowId, path);
  const title = pickerTitle(button.selection);

  // An open item menu closes when the pointer goes down anywhere else.
  useEffect(() => {
    if (menu === null) return;
    const close = (event: MouseEvent) => {
      const target = event.target instanceof Element ? event.target : null;
      if (!target?.closest('.picker-menu, [aria-haspopup="menu"]')) setMenu(null);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [menu]);

  const go = (next: string | null) => {
    setMenu(null);
    setPath(next);
  };
  const enter = (folder: string) => {
    setParents((old) => [...old, path]);
    go(folder);
  };
  const up = () => {
    const parent = listing.data?.parent ?? parents[parents.length - 1] ?? null;
    setParents((old) => old.slice(0, -1));
    go(parent);
  };

  const entry = (e: FolderEntry) => {
    const chosen = picked.some((p) => p.path === e.path);
    const others = contextButtons(buttons, e, button);
    const item: Picked = { path: e.path, name: e.name, folder: e.folder };
    return (
      <li
        key={e.path}
        className="picker-entry"
        data-testid="picker-entry"
        data-path={e.path}
        onContextMenu={
          others.length > 0
            ? (event) => {
                event.preventDefault();
                setMenu(e.path);
              }
            : undefined
        }
      >
        {e.selectable && admits(button.selection, e.name, e.folder) ? (
          <input
            type="checkbox"
            aria-label={`Pick ${e.name}`}
            checked={chosen}
            onChange={(event) => onPick(item, event.target.checked)}
          />
        ) : (
          <span className="picker-spacer" aria-hidden="true" />
        )}
        <ComponentIcon name={e.folder ? 'folder' : 'file'} size={15} aria-hidden="true" />
        <span className="picker-name">{e.name}</span>
        {e.size !== undefined && <span className="muted small">{formatSize(e.size)}</span>}
        {e.folder && (
          <button type="button" className="btn btn-small" aria-label={`Open ${e.name}`} onClick={() => enter(e.path)}>
            Open
          </button>
        )}
        {others.length > 0 && (
          <button
            type="button"
            className="btn btn-small"
            aria-haspopup="menu"
            aria-expanded={menu === e.path}
            aria-label={`More for ${e.name}`}
            onClick={() => setMenu(menu === e.path ? null : e.path)}
          >
            …
          </button>
        )}
        {menu === e.path && (
          <ul
            className="picker-menu"
            role="menu"
            aria-label={`Buttons for ${e.name}`}
            onKeyDown={(event) => event.key === 'Escape' && setMenu(null)}
          >
            {others.map((other) => (
              <li key={other.flowId} role="none">
                <button type="button" role="menuitem" onClick={() => onOpen(other, [item])}>
                  <ComponentIcon name={other.icon} size={14} aria-hidden="true" /> {other.label}
                </button>
              </li>
            ))}
          </ul>
        )}
      </li>
    );
  };

  return (
    <fieldset className="path-picker" data-testid="path-picker">
      <legend className="field-label">{title}</legend>
      <p className="field-hint">{ruleText(button.selection)}</p>
      <div className="picker-bar">
        <button type="button" className="btn btn-small" disabled={path === null} onClick={up}>
          <ArrowUp size={14} aria-hidden="true" /> Up
        </button>
        <code className="picker-where" data-testid="picker-where">
          {listing.data?.path ?? 'Allowed folders'}
        </code>
      </div>
      {listing.isPending ? (
        <p className="muted small">Listing…</p>
      ) : listing.isError ? (
        <p className="field-error">{toApiError(listing.error).message}</p>
      ) : listing.data.entries.length === 0 ? (
        <p className="muted small">Nothing to pick here.</p>
      ) : (
        <ul className="picker-entries" aria-label="Files and folders">
          {listing.data.entries.map(entry)}
        </ul>
      )}
      {listing.data?.truncated && <p className="muted small">Only the first items of this folder are listed.</p>}
      {picked.length > 0 && (
        <>
          <p className="field-label">Picked</p>
          <ul className="picker-picked" aria-label="Picked items" data-testid="picked">
            {picked.map((p) => (
              <li key={p.path} data-path={p.path}>
                <ComponentIcon name={p.folder ? 'folder' : 'file'} size={14} aria-hidden="true" />
                <code>{p.path}</code>
                <button
                  type="button"
                  className="btn btn-small"
                  aria-label={`Remove ${p.name}`}
                  onClick={() => onPick(p, false)}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      {problem && (
        <p className="field-error" role="status">
          <TriangleAlert size={13} aria-hidden="true" /> {problem}
        </p>
      )}
    </fieldset>
  );
}

/** The run a press started, updated by the core's execution events as it progresses. */
function LiveRun({ executionId, label, onClose }: { executionId: string; label: string; onClose: () => void }) {
  const execution = useExecution(executionId);
  return (
    <section
      className="panel"
      aria-label={`Run of ${label}`}
      data-testid="launcher-run"
      data-execution-id={executionId}
    >
      <header className="panel-header">
        <h2>
          {label} {execution.data && <StatusBadge status={execution.data.status} testId="launcher-run-status" />}
        </h2>
        <button type="button" className="icon-btn" aria-label="Close the run" onClick={onClose}>
          <X size={16} aria-hidden="true" />
        </button>
      </header>
      <ExecutionDetail id={executionId} />
    </section>
  );
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
