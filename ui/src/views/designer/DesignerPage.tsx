import { useQueryClient } from '@tanstack/react-query';
import { ReactFlowProvider, useReactFlow } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';

import type { ComponentDescriptor, FlowDocument, JsonValue, SavedFlow } from '../../api';
import { LiveBadge, VersionBadge } from '../../components/Badges';
import { catalogOf } from '../../editor/convert';
import { hasTrigger, selectedStepId, useEditor } from '../../editor/store';
import { useApi } from '../../lib/apiContext';
import { confirmAction } from '../../lib/confirm';
import { exportFlowFile } from '../../lib/exports';
import { formatDuration } from '../../lib/format';
import { NODE_HEIGHT, NODE_WIDTH } from '../../lib/layout';
import { PARAMETER_REFUSALS, runFields } from '../../lib/parameters';
import { loadPositions, savePositions } from '../../lib/positions';
import { fieldAttribute, type LocatedProblem } from '../../lib/problems';
import { keys, useFlow } from '../../lib/queries';
import { useRouter } from '../../lib/router';
import { toast } from '../../lib/toast';
import {
  Bug,
  ChevronRight,
  CirclePlay,
  Download,
  History,
  LoaderCircle,
  Play,
  Rocket,
  Save,
  SlidersHorizontal,
  Square,
  TriangleAlert,
  X,
} from '../../lib/uiIcons';
import { isApiError, toApiError } from '../../platform/types';
import { Canvas } from './Canvas';
import { ComponentChooser } from './ComponentChooser';
import { FailureRunDialog } from './FailureRunDialog';
import { HooksTab } from './HooksTab';
import { ParametersDialog } from './ParametersDialog';
import { RunDialog, type RunResult } from './RunDialog';
import { RunsTab } from './RunsTab';
import { StepPanel } from './StepPanel';
import { VersionsDialog } from './VersionsDialog';

type Tab = 'step' | 'runs' | 'hooks';

/**
 * The designer of one flow. `step` selects a step when the page opens (a
 * link from the run log), and `failed` marks it on the canvas as the step
 * an execution failed at.
 */
export function DesignerPage({
  flowId,
  step = null,
  failed = false,
}: {
  flowId: string;
  step?: string | null;
  failed?: boolean;
}) {
  return (
    <ReactFlowProvider>
      <Designer key={flowId} flowId={flowId} focusStep={step} failed={failed} />
    </ReactFlowProvider>
  );
}

function isTextTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(target.type);
}

function Designer({ flowId, focusStep, failed }: { flowId: string; focusStep: string | null; failed: boolean }) {
  const api = useApi();
  const client = useQueryClient();
  const record = useFlow(flowId);
  const navigate = useRouter((s) => s.navigate);
  const setGuard = useRouter((s) => s.setGuard);
  const { setCenter, getZoom } = useReactFlow();

  const loadedFlow = useEditor((s) => s.flowId);
  const meta = useEditor((s) => s.meta);
  const dirty = useEditor((s) => s.dirty);
  const problems = useEditor((s) => s.problems);
  const chooser = useEditor((s) => s.chooser);
  const selected = useEditor(selectedStepId);
  const triggerPresent = useEditor(hasTrigger);
  const webhookInDraft = useEditor((s) =>
    s.nodes.some((n) => n.data.trigger && s.catalog[n.data.step.component]?.receivesHttp === true),
  );
  const parameterCount = useEditor((s) => s.meta.parameters?.length ?? 0);
  // A flow started by hand can be another flow's error handler, and be tried with a failure.
  const manualTrigger = useEditor((s) => s.nodes.some((n) => n.data.trigger && n.data.step.component === 'manual'));
  // Whether Run asks for values first: the trigger's run form or an
  // overridable parameter (a boolean, so dragging a node re-renders nothing).
  const takesValues = useEditor(
    (s) =>
      runFields(
        { ...s.meta, steps: s.nodes.filter((n) => n.data.trigger).map((n) => n.data.step), edges: [] },
        s.catalog,
      ).length > 0,
  );
  const editor = useEditor.getState;

  const [components, setComponents] = useState<ComponentDescriptor[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('step');
  const [showProblems, setShowProblems] = useState(false);
  const [showVersions, setShowVersions] = useState(false);
  const [showParameters, setShowParameters] = useState(false);
  // The Run form, with what it runs by default and the draft it was opened on.
  const [runForm, setRunForm] = useState<{ defaultDraft: boolean; draft: FlowDocument } | null>(null);
  // The sample failure form, with what it runs by default.
  const [failureRun, setFailureRun] = useState<{ defaultDraft: boolean } | null>(null);
  // The execution the last Run made, opened in the Runs tab.
  const [lastRun, setLastRun] = useState<string | null>(null);
  const [busy, setBusy] = useState<null | 'save' | 'publish' | 'start' | 'run'>(null);
  const nameInput = useRef<HTMLInputElement>(null);

  const ready = loadedFlow === flowId && components !== null;

  const load = useCallback(
    async (openChooserWhenEmpty: boolean) => {
      try {
        const [flow, list] = await Promise.all([
          api.getFlow(flowId),
          client.fetchQuery({ queryKey: keys.components, queryFn: api.components, staleTime: Infinity }),
        ]);
        setComponents(list);
        editor().load(flow.id, flow.draft, catalogOf(list), loadPositions(flow.id));
        if (openChooserWhenEmpty && flow.draft.steps.length === 0) editor().openChooser(null);
        setLoadError(null);
      } catch (error) {
        setLoadError(toApiError(error).message);
      }
    },
    [api, client, flowId, editor],
  );

  useEffect(() => {
    void load(true);
  }, [load]);

  // Remember where the user put the steps.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const unsubscribe = useEditor.subscribe((state, previous) => {
      if (state.flowId !== flowId || state.nodes === previous.nodes) return;
      clearTimeout(timer);
      timer = setTimeout(
        () => savePositions(flowId, Object.fromEntries(state.nodes.map((n) => [n.id, n.position]))),
        400,
      );
    });
    return () => {
      clearTimeout(timer);
      unsubscribe();
    };
  }, [flowId]);

  // Unsaved edits: confirm before leaving the flow or closing the page.
  useEffect(() => {
    if (!dirty) {
      setGuard(null);
      return;
    }
    setGuard(() =>
      confirmAction({
        title: 'Leave without saving?',
        message: `Your unsaved edits to ${useEditor.getState().meta.name || 'this flow'} will be lost.`,
        confirmLabel: 'Discard edits',
        cancelLabel: 'Stay',
        danger: true,
      }),
    );
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [dirty, setGuard]);
  useEffect(() => () => setGuard(null), [setGuard]);

  useEffect(() => {
    if (selected) setTab('step');
  }, [selected]);

  // Sent here from an execution: select the step it names and show it, marked when it failed there.
  // Once per link followed, so the user's own selection afterwards stands.
  const focused = useRef<string | null>(null);
  useEffect(() => {
    const key = focusStep && `${focusStep}:${failed}`;
    if (!ready || !key || focused.current === key) return;
    focused.current = key;
    const state = editor();
    const node = state.nodes.find((n) => n.id === focusStep);
    state.markFailed(node && failed ? node.id : null);
    if (!node) {
      toast.info(`The draft has no step ${focusStep}: it was removed or renamed since that run`);
      return;
    }
    state.select(node.id);
    setTab('step');
    void setCenter(node.position.x + NODE_WIDTH / 2, node.position.y + NODE_HEIGHT / 2, { zoom: 1, duration: 250 });
  }, [ready, focusStep, failed, editor, setCenter]);

  const refreshFlow = () => void client.invalidateQueries({ queryKey: keys.flow(flowId) });

  const save = useCallback(async (): Promise<{ saved: SavedFlow; doc: FlowDocument } | null> => {
    const doc = editor().document();
    setBusy('save');
    try {
      const saved = await api.saveDraft(doc);
      editor().markSaved(doc);
      editor().setProblems(saved.problems, doc);
      void client.invalidateQueries({ queryKey: keys.flow(flowId) });
      void client.invalidateQueries({ queryKey: keys.flows });
      return { saved, doc };
    } catch (error) {
      toast.error(error, 'Save failed');
      return null;
    } finally {
      setBusy(null);
    }
  }, [api, client, editor, flowId]);

  const onSave = useCallback(async () => {
    const result = await save();
    if (!result) return;
    const n = result.saved.problems.length;
    if (n === 0) toast.success('Draft saved');
    else
      toast.info(`Draft saved, with ${n} problem${n === 1 ? '' : 's'} to fix before publishing`, {
        action: { label: 'Show', run: () => setShowProblems(true) },
      });
  }, [save]);

  const ensureSaved = async (): Promise<FlowDocument | null> => {
    if (!editor().dirty) return editor().document();
    const result = await save();
    return result?.doc ?? null;
  };

  const onPublish = async () => {
    const doc = await ensureSaved();
    if (!doc) return;
    setBusy('publish');
    try {
      const version = await api.publish(flowId);
      editor().clearProblems();
      setShowProblems(false);
      refreshFlow();
      const published = `Published v${version.version}${record.data?.live ? ': the live hook runs it now' : ''}`;
      const warnings = version.warnings ?? [];
      if (warnings.length > 0) {
        // Published, but something mapped may not be meant: say what, where.
        toast.info(`${published}, with ${warnings.length} warning${warnings.length === 1 ? '' : 's'}`, {
          detail: warnings.join('\n'),
        });
      } else {
        toast.success(published);
      }
    } catch (error) {
      if (isApiError(error) && error.problems && error.problems.length > 0) {
        editor().setProblems(error.problems, doc);
        setShowProblems(true);
        toast.error(`Not published: ${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} to fix`);
      } else {
        toast.error(error, 'Publish failed');
      }
    } finally {
      setBusy(null);
    }
  };

  const onStartStop = async () => {
    const live = record.data?.live ?? false;
    setBusy('start');
    try {
      const summary = live ? await api.stop(flowId) : await api.start(flowId);
      client.setQueryData(keys.flow(flowId), (old: typeof record.data) => (old ? { ...old, ...summary } : old));
      refreshFlow();
      void client.invalidateQueries({ queryKey: keys.hooks(flowId) });
      toast.success(summary.live ? `${summary.name} is live (v${summary.latestVersion})` : `${summary.name} stopped`);
    } catch (error) {
      toast.error(error, live ? 'Stop failed' : 'Start failed');
    } finally {
      setBusy(null);
    }
  };

  /**
   * Runs once, asking first when a step would change something outside
   * Hookline, and reports the outcome. A refusal of a run-form or parameter
   * value is handed back for the Run form to show on its field, and a
   * refusal of a given trigger `input` for the form that gave it.
   */
  const run = async (
    runDraft: boolean,
    { params, input }: { params?: Record<string, JsonValue>; input?: JsonValue } = {},
  ): Promise<RunResult> => {
    const published = record.data?.latestVersion ?? null;
    const doc = runDraft ? await ensureSaved() : editor().document();
    if (!doc) return 'done';
    setBusy('run');
    const values = { ...(input === undefined ? {} : { input }), ...(params === undefined ? {} : { params }) };
    try {
      let execution;
      try {
        execution = await api.runFlow(flowId, { draft: runDraft, ...values, askFirst: true });
      } catch (error) {
        // The core maps each step over the samples and says what a run would
        // change outside Hookline (a POST, a PUT…), as Retrieve sample does.
        if (toApiError(error).code !== 'confirmation_required') throw error;
        const go = await confirmAction({
          title: 'Run the flow?',
          message: toApiError(error).message,
          confirmLabel: 'Run it',
          cancelLabel: 'Cancel',
        });
        if (!go) return 'cancelled';
        execution = await api.runFlow(flowId, { draft: runDraft, ...values });
      }
      const what =
        (runDraft ? 'Draft run' : `Run of v${execution.version ?? published}`) +
        (input === undefined ? '' : ' with a sample failure');
      const details = {
        label: 'Details',
        run: () => void navigate({ name: 'execution', executionId: execution.id }),
      };
      if (execution.status === 'succeeded')
        toast.success(`${what} succeeded in ${formatDuration(execution.durationMs)}`, { action: details });
      else
        toast.failure(`${what} ${execution.status}${execution.error ? `: ${execution.error}` : ''}`, {
          action: details,
        });
      setLastRun(execution.id);
      setTab('runs');
    } catch (error) {
      const refusal = toApiError(error);
      if (params !== undefined && PARAMETER_REFUSALS.has(refusal.code)) return refusal;
      if (isApiError(error) && error.problems && error.problems.length > 0) {
        editor().setProblems(error.problems, doc);
        setShowProblems(true);
      } else if (input !== undefined && isApiError(error)) {
        // The core refused the input given: the form that gave it says why, keeping it to fix.
        return refusal;
      }
      toast.error(error, 'Run failed');
    } finally {
      setBusy(null);
    }
    return 'done';
  };

  /** Whether Run runs the draft unless asked otherwise: it has changes, or nothing is published. */
  const draftByDefault = () =>
    editor().dirty || (record.data?.latestVersion ?? null) === null || record.data?.draftChanged !== false;

  const onRun = async () => {
    const runDraft = draftByDefault();
    const draft = editor().document();
    // With values to give, the Run form asks for them (and which version to run) first.
    if (runFields(draft, editor().catalog).length > 0) {
      setRunForm({ defaultDraft: runDraft, draft });
      return;
    }
    await run(runDraft);
  };

  const onExport = async () => {
    const doc = await ensureSaved();
    if (!doc) return;
    await exportFlowFile(api, flowId, doc.name);
  };

  const gotoProblem = (problem: LocatedProblem) => {
    const state = editor();
    const stepId = problem.stepId ?? (problem.edge ? problem.edge.from : null);
    const node = stepId ? state.nodes.find((n) => n.id === stepId) : undefined;
    if (node) {
      state.select(node.id);
      setTab('step');
      void setCenter(node.position.x + NODE_WIDTH / 2, node.position.y + NODE_HEIGHT / 2, { zoom: 1, duration: 250 });
      state.requestFocus(node.id, fieldAttribute(problem.target));
    } else if (problem.path === 'name') {
      nameInput.current?.focus();
    } else if (problem.path.startsWith('parameters[')) {
      setShowParameters(true);
    } else if (problem.path === 'errorHandler') {
      setShowParameters(true);
      setTimeout(() => document.getElementById('flow-error-handler')?.focus(), 0);
    }
  };

  // Keyboard: Ctrl+S saves anywhere; undo/redo outside text fields (where
  // the field's own undo applies).
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === 's') {
        event.preventDefault();
        if (useEditor.getState().flowId === flowId) void onSave();
        return;
      }
      if (isTextTarget(event.target)) return;
      if (key === 'z' && !event.shiftKey) {
        event.preventDefault();
        editor().undo();
      } else if ((key === 'z' && event.shiftKey) || key === 'y') {
        event.preventDefault();
        editor().redo();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [editor, flowId, onSave]);

  const selectedComponent = useEditor((s) => {
    const node = selected ? s.nodes.find((n) => n.id === selected) : undefined;
    return node ? s.catalog[node.data.step.component] : undefined;
  });
  const afterName = useEditor((s) =>
    s.chooser.after ? (s.nodes.find((n) => n.id === s.chooser.after)?.data.step.name ?? null) : null,
  );
  const savedHasWebhook = useMemo(
    () => record.data?.draft.steps.some((s) => components?.find((c) => c.id === s.component)?.receivesHttp) ?? false,
    [record.data, components],
  );

  if (loadError) {
    return (
      <section className="page">
        <div className="empty" role="alert">
          <h2>Cannot open this flow</h2>
          <p>{loadError}</p>
          <div className="toolbar">
            <button type="button" className="btn" onClick={() => void load(false)}>
              Try again
            </button>
            <button type="button" className="btn" onClick={() => void navigate({ name: 'flows' })}>
              Back to flows
            </button>
          </div>
        </div>
      </section>
    );
  }
  if (!ready) {
    return (
      <section className="page">
        <p className="muted pad">
          <LoaderCircle size={16} className="spin" aria-hidden="true" /> Opening the flow…
        </p>
      </section>
    );
  }

  const live = record.data?.live ?? false;

  return (
    <section className="designer" aria-label="Designer">
      <header className="designer-header">
        <nav className="crumbs" aria-label="Breadcrumb">
          <a
            href="#/"
            aria-label="Back to flow list"
            onClick={(e) => {
              e.preventDefault();
              void navigate({ name: 'flows' });
            }}
          >
            Flows
          </a>
          <ChevronRight size={14} aria-hidden="true" />
        </nav>
        <input
          ref={nameInput}
          className="flow-name-input"
          aria-label="Flow name"
          value={meta.name}
          onChange={(e) => editor().setMeta({ name: e.target.value }, 'meta:name')}
        />
        <span
          className={`dirty-indicator${dirty ? ' on' : ''}`}
          data-testid="dirty-indicator"
          aria-live="polite"
          title={dirty ? 'The draft has unsaved changes (Ctrl+S saves)' : 'The draft is saved'}
        >
          {dirty ? 'Unsaved' : 'Saved'}
        </span>
        {record.data && (
          <>
            <LiveBadge live={live} testId="flow-state" />
            <VersionBadge
              latestVersion={record.data.latestVersion}
              draftChanged={record.data.draftChanged || dirty}
              testId="flow-version"
            />
          </>
        )}
        {problems.length > 0 && (
          <button
            type="button"
            className="btn btn-small btn-warning"
            onClick={() => setShowProblems((v) => !v)}
            aria-expanded={showProblems}
            aria-controls="problems-panel"
          >
            <TriangleAlert size={14} aria-hidden="true" /> {problems.length} problem{problems.length === 1 ? '' : 's'}
          </button>
        )}
        <div className="header-actions">
          <button
            type="button"
            className="btn"
            onClick={() => void onSave()}
            disabled={busy !== null}
            title="Save the draft (Ctrl+S)"
          >
            <Save size={15} aria-hidden="true" /> <span className="btn-label">Save</span>
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => void onPublish()}
            disabled={busy !== null}
            title="Validate the draft and publish it as the next version"
          >
            <Rocket size={15} aria-hidden="true" /> <span className="btn-label">Publish</span>
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => void onStartStop()}
            disabled={busy !== null}
            title={live ? 'Stop answering on the hook' : 'Run the latest published version on every hook call'}
          >
            {live ? <Square size={15} aria-hidden="true" /> : <Play size={15} aria-hidden="true" />}{' '}
            <span className="btn-label">{live ? 'Stop' : 'Start'}</span>
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => void onRun()}
            disabled={busy !== null || !triggerPresent}
            title={
              takesValues
                ? 'Run once: fill in the run form and choose the draft or the published version'
                : "Run once with the trigger's sample: the draft when it has changes, else the published version"
            }
          >
            <CirclePlay size={15} aria-hidden="true" /> <span className="btn-label">Run once</span>
          </button>
          {manualTrigger && (
            <button
              type="button"
              className="btn"
              onClick={() => setFailureRun({ defaultDraft: draftByDefault() })}
              disabled={busy !== null}
              title="Run once as this flow runs when it is another flow's error handler: with a failure as its trigger output"
            >
              <Bug size={15} aria-hidden="true" /> <span className="btn-label">Run with a sample failure</span>
            </button>
          )}
          <button
            type="button"
            className="btn"
            onClick={() => setShowParameters(true)}
            title="The flow's settings: its parameters ($params.<name> in expressions, with defaults a run may override) and its error handler"
          >
            <SlidersHorizontal size={15} aria-hidden="true" />{' '}
            <span className="btn-label">Parameters{parameterCount > 0 ? ` (${parameterCount})` : ''}</span>
          </button>
          <button type="button" className="btn" onClick={() => setShowVersions(true)} title="Published versions">
            <History size={15} aria-hidden="true" /> <span className="btn-label">Versions</span>
          </button>
          <button type="button" className="btn" onClick={() => void onExport()} title="Save the flow file">
            <Download size={15} aria-hidden="true" /> <span className="btn-label">Export</span>
          </button>
        </div>
      </header>

      <div className="designer-body">
        <div className="canvas-column">
          <Canvas />
          {showProblems && problems.length > 0 && (
            <div
              className="problems-panel"
              id="problems-panel"
              role="region"
              aria-label="Problems"
              data-testid="problems-panel"
            >
              <div className="problems-head">
                <strong>
                  {problems.length} problem{problems.length === 1 ? '' : 's'}
                </strong>
                <span className="muted small">Fix these before publishing. Click one to go to it.</span>
                <button
                  type="button"
                  className="icon-btn"
                  aria-label="Close problems"
                  onClick={() => setShowProblems(false)}
                >
                  <X size={14} aria-hidden="true" />
                </button>
              </div>
              <ul>
                {problems.map((p, i) => (
                  <li key={`${p.path}-${i}`}>
                    <button
                      type="button"
                      className="problem-item"
                      data-testid="problem-item"
                      onClick={() => gotoProblem(p)}
                    >
                      <TriangleAlert size={13} aria-hidden="true" />
                      <span className="problem-where">
                        {p.stepId
                          ? (editor().nodes.find((n) => n.id === p.stepId)?.data.step.name ?? p.stepId)
                          : p.path}
                      </span>
                      <span>{p.message}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </div>

        <aside className="side-panel" aria-label="Side panel">
          <div role="tablist" aria-label="Panels" className="tabs">
            {(
              [
                ['step', selected ? 'Step' : 'Flow'],
                ['runs', 'Runs'],
                ['hooks', 'Hooks'],
              ] as const
            ).map(([id, label]) => (
              <button
                key={id}
                type="button"
                role="tab"
                id={`tab-${id}`}
                aria-selected={tab === id}
                aria-controls={`tabpanel-${id}`}
                tabIndex={tab === id ? 0 : -1}
                className={`tab${tab === id ? ' active' : ''}`}
                onClick={() => setTab(id)}
                onKeyDown={(e) => {
                  const order: Tab[] = ['step', 'runs', 'hooks'];
                  const at = order.indexOf(tab);
                  if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
                    e.preventDefault();
                    const next = order[(at + (e.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length]!;
                    setTab(next);
                    document.getElementById(`tab-${next}`)?.focus();
                  }
                }}
              >
                {label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`tabpanel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabpanel">
            {tab === 'step' &&
              (selected ? (
                <StepPanel key={selected} stepId={selected} component={selectedComponent} />
              ) : (
                <FlowPanel onProblem={gotoProblem} />
              ))}
            {tab === 'runs' && <RunsTab flowId={flowId} openId={lastRun} />}
            {tab === 'hooks' && (
              <HooksTab
                flowId={flowId}
                flowName={meta.name}
                hasWebhook={webhookInDraft}
                savedHasWebhook={savedHasWebhook}
                dirty={dirty}
              />
            )}
          </div>
        </aside>
      </div>

      {chooser.open && components && (
        <ComponentChooser
          components={components}
          hasTrigger={triggerPresent}
          afterName={afterName}
          onClose={() => editor().closeChooser()}
          onPick={(component) => {
            const { after, branch } = editor().chooser;
            editor().closeChooser();
            const id = editor().addStep(component, { after: triggerPresent ? after : null, branch });
            const nodes = editor().nodes;
            const node = nodes.find((n) => n.id === id);
            const anchor = nodes.find((n) => n.id === after) ?? node;
            if (node && anchor) {
              // Show the new step next to the one it follows.
              const x = (node.position.x + anchor.position.x + NODE_WIDTH) / 2;
              const y = (node.position.y + anchor.position.y + NODE_HEIGHT) / 2;
              void setCenter(x, y, { zoom: Math.min(1, getZoom()), duration: 250 });
            }
            setTab('step');
          }}
        />
      )}
      {showParameters && <ParametersDialog onClose={() => setShowParameters(false)} />}
      {runForm && (
        <RunDialog
          flowId={flowId}
          draft={runForm.draft}
          catalog={editor().catalog}
          publishedVersion={record.data?.latestVersion ?? null}
          defaultDraft={runForm.defaultDraft}
          saveFirst={dirty}
          onClose={() => setRunForm(null)}
          onRun={async ({ draft, params }) => {
            const result = await run(draft, { params });
            if (result === 'done') setRunForm(null);
            return result;
          }}
        />
      )}
      {failureRun && (
        <FailureRunDialog
          flow={{ id: flowId, slug: record.data?.slug ?? null, liveSlug: record.data?.liveSlug ?? null }}
          publishedVersion={record.data?.latestVersion ?? null}
          defaultDraft={failureRun.defaultDraft}
          saveFirst={dirty}
          onClose={() => setFailureRun(null)}
          onRun={async ({ draft, input }) => {
            const result = await run(draft, { input });
            if (result === 'cancelled') return 'done';
            if (result === 'done') setFailureRun(null);
            return result;
          }}
        />
      )}
      {showVersions && (
        <VersionsDialog
          flowId={flowId}
          dirty={dirty}
          onClose={() => setShowVersions(false)}
          onRestored={() => {
            void load(false);
            refreshFlow();
          }}
        />
      )}
    </section>
  );
}

/** The side panel when no step is selected: the flow's own settings and problems. */
function FlowPanel({ onProblem }: { onProblem: (p: LocatedProblem) => void }) {
  const meta = useEditor((s) => s.meta);
  const count = useEditor((s) => s.nodes.length);
  const problems = useEditor((s) => s.problems);
  const setMeta = useEditor((s) => s.setMeta);
  return (
    <div className="tab-body">
      <label className="field-label" htmlFor="flow-description">
        Description
      </label>
      <textarea
        id="flow-description"
        className="input"
        rows={3}
        value={meta.description ?? ''}
        placeholder="What this flow does"
        onChange={(e) => setMeta({ description: e.target.value }, 'meta:description')}
      />
      <p className="muted small">
        {count === 0 ? 'No steps yet.' : `${count} step${count === 1 ? '' : 's'}.`} Select a step on the canvas to edit
        it; use its
        <strong> + </strong> button to add the next one. Ctrl+S saves, Ctrl+Z undoes.
      </p>
      {problems.length > 0 && (
        <>
          <h3>Problems</h3>
          <ul className="plain-list">
            {problems.map((p, i) => (
              <li key={i}>
                <button type="button" className="problem-item" onClick={() => onProblem(p)}>
                  <TriangleAlert size={13} aria-hidden="true" /> <span>{p.message}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
