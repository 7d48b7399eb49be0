/**
 * Samples of a step (M5): a trigger's list of kept samples with the ways to
 * get one (type it, capture a request to the test URL, generate it, or skip),
 * and an action's "Retrieve sample". Samples are stored entities: the list
 * comes from the core and core events refresh it; the draft's `step.sample`
 * mirrors the current one.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

import type { ComponentDescriptor, GenerateFrom, Sample } from '../../api';
import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import { Dialog } from '../../components/Dialog';
import { useEditor } from '../../editor/store';
import { useApi } from '../../lib/apiContext';
import { copyWithToast } from '../../lib/exports';
import { formatRelative, prettyJson } from '../../lib/format';
import { keys, useExecutions, useInbox, useFlow, useHooks, useSamples } from '../../lib/queries';
import { toast } from '../../lib/toast';
import { toApiError } from '../../platform/types';
import { Check, Copy, Plus, Trash2 } from '../../lib/uiIcons';
import { JsonEditor, type JsonCheck } from './JsonEditor';

export const CAPTURE_SECONDS = 120;

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Whether the stored draft has the step: samples belong to saved steps. */
export function useStepSaved(flowId: string | null, stepId: string): boolean {
  const record = useFlow(flowId ?? '');
  return !!flowId && !!record.data?.draft.steps.some((s) => s.id === stepId);
}

function SourceBadge({ source }: { source: Sample['source'] }) {
  return (
    <span className={`badge sample-source source-${source}`} data-testid="sample-source">
      {source}
    </span>
  );
}

type Mode = 'idle' | 'add' | 'capture' | 'generate' | 'skipped';

export function TriggerSamples({
  flowId,
  stepId,
  component,
}: {
  flowId: string;
  stepId: string;
  component: ComponentDescriptor;
}) {
  const api = useApi();
  const client = useQueryClient();
  const saved = useStepSaved(flowId, stepId);
  const samples = useSamples(flowId, stepId, saved);
  const syncSample = useEditor((s) => s.syncSample);
  const draftSample = useEditor((s) => s.nodes.find((n) => n.id === stepId)?.data.step.sample);
  const [mode, setMode] = useState<Mode>('idle');
  const [busy, setBusy] = useState(false);

  // The draft mirrors the current sample whenever the core's list changes.
  useEffect(() => {
    const current = samples.data?.find((s) => s.current);
    if (current && !sameJson(current.value, draftSample)) syncSample(stepId, current.value as JsonValue);
  }, [samples.data, draftSample, stepId, syncSample]);

  const refresh = async (removedAll = false) => {
    const list = await client.fetchQuery({
      queryKey: keys.samples(flowId, stepId),
      queryFn: () => api.listSamples(flowId, stepId),
      staleTime: 0,
    });
    const current = list.find((s) => s.current);
    if (current) syncSample(stepId, current.value as JsonValue);
    else if (removedAll || list.length === 0) syncSample(stepId, null);
    void client.invalidateQueries({ queryKey: keys.schemasOfFlow(flowId) });
  };

  const run = async (action: () => Promise<unknown>, done?: string) => {
    setBusy(true);
    try {
      await action();
      await refresh();
      if (done) toast.success(done);
      return true;
    } catch (error) {
      toast.error(error);
      return false;
    } finally {
      setBusy(false);
    }
  };

  if (!saved) {
    return (
      <section className="panel-section" aria-labelledby={`samples-title-${stepId}`} data-testid="samples-section">
        <h3 id={`samples-title-${stepId}`}>Samples</h3>
        <p className="muted small">
          Save the flow to keep samples of this trigger: type one, capture a request, or generate one.
        </p>
      </section>
    );
  }

  const list = samples.data ?? [];
  return (
    <section
      className="panel-section samples"
      aria-labelledby={`samples-title-${stepId}`}
      data-testid="samples-section"
    >
      <h3 id={`samples-title-${stepId}`}>Samples</h3>
      <p className="muted small">
        The current sample is the trigger&apos;s output while you map fields and when you run the flow from here.
      </p>
      {samples.isError && <p className="field-error">{toApiError(samples.error).message}</p>}
      {list.length === 0 && !samples.isPending && mode !== 'skipped' && (
        <p className="muted small" data-testid="samples-empty">
          No samples yet.
        </p>
      )}
      {list.length > 0 && (
        <ul className="sample-list" aria-label="Samples">
          {list.map((sample, i) => (
            <SampleRow
              key={sample.id}
              sample={sample}
              index={i}
              busy={busy}
              onCurrent={() => void run(() => api.setCurrentSample(flowId, stepId, sample.id))}
              onRemove={() =>
                void run(async () => {
                  await api.removeSample(flowId, stepId, sample.id);
                  if (list.length === 1) syncSample(stepId, null);
                })
              }
            />
          ))}
        </ul>
      )}

      {mode === 'add' && (
        <AddSample
          hint={component.sampleHint ?? undefined}
          onCancel={() => setMode('idle')}
          onSave={async (value) => {
            if (await run(() => api.addSample(flowId, stepId, value), 'Sample added')) setMode('idle');
          }}
          busy={busy}
        />
      )}
      {mode === 'capture' && (
        <CaptureSample flowId={flowId} onDone={() => void refresh()} onClose={() => setMode('idle')} />
      )}
      {mode === 'generate' && (
        <GenerateSample
          flowId={flowId}
          busy={busy}
          onCancel={() => setMode('idle')}
          onGenerate={async (from) => {
            if (await run(() => api.generateSample(flowId, stepId, from), 'Sample generated')) setMode('idle');
          }}
        />
      )}
      {mode === 'skipped' && (
        <p className="muted small" data-testid="samples-skipped">
          No sample: you can still map fields; previews stay empty until a sample exists.
        </p>
      )}

      {(mode === 'idle' || mode === 'skipped') && (
        <div className="button-row">
          <button type="button" className="btn btn-small" onClick={() => setMode('add')}>
            <Plus size={14} aria-hidden="true" /> Add sample
          </button>
          {component.receivesHttp && (
            <button type="button" className="btn btn-small" onClick={() => setMode('capture')}>
              Send sample request
            </button>
          )}
          <button type="button" className="btn btn-small" onClick={() => setMode('generate')}>
            Generate
          </button>
          {mode === 'idle' && list.length === 0 && (
            <button type="button" className="btn btn-small" onClick={() => setMode('skipped')}>
              Skip
            </button>
          )}
        </div>
      )}
    </section>
  );
}

function SampleRow({
  sample,
  index,
  busy,
  onCurrent,
  onRemove,
}: {
  sample: Sample;
  index: number;
  busy: boolean;
  onCurrent: () => void;
  onRemove: () => void;
}) {
  const [open, setOpen] = useState(false);
  const label = `Sample ${index + 1}`;
  return (
    <li
      className={`sample-row${sample.current ? ' current' : ''}`}
      data-testid="sample-row"
      data-current={sample.current || undefined}
      data-sample={sample.id}
    >
      <div className="sample-row-head">
        <button type="button" className="link-btn" aria-expanded={open} onClick={() => setOpen(!open)}>
          {label}
        </button>
        <SourceBadge source={sample.source} />
        <time className="muted small" dateTime={sample.createdAt} title={sample.createdAt}>
          {formatRelative(sample.createdAt)}
        </time>
        {sample.current ? (
          <span className="badge badge-success" data-testid="sample-current">
            <Check size={12} aria-hidden="true" /> current
          </span>
        ) : (
          <button
            type="button"
            className="btn btn-small"
            disabled={busy}
            onClick={onCurrent}
            aria-label={`Use ${label} as current`}
          >
            Use
          </button>
        )}
        <button type="button" className="icon-btn" disabled={busy} onClick={onRemove} aria-label={`Remove ${label}`}>
          <Trash2 size={14} aria-hidden="true" />
        </button>
      </div>
      {open && <pre className="json sample-value">{prettyJson(sample.value)}</pre>}
    </li>
  );
}

function AddSample({
  onSave,
  onCancel,
  busy,
  hint,
}: {
  onSave: (value: JsonValue) => Promise<void>;
  onCancel: () => void;
  busy: boolean;
  hint?: string;
}) {
  const [check, setCheck] = useState<JsonCheck>({ text: '', error: 'Enter a JSON value' });
  return (
    <div className="sample-add">
      {hint && (
        <p className="muted small" data-testid="sample-hint">
          {hint}
        </p>
      )}
      <JsonEditor label="Sample JSON" initial="" onChange={setCheck} testId="sample-editor" autoFocus />
      <div className="button-row">
        <button
          type="button"
          className="btn btn-small btn-primary"
          disabled={busy || check.value === undefined}
          onClick={() => check.value !== undefined && void onSave(check.value)}
        >
          Save sample
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function GenerateSample({
  flowId,
  busy,
  onGenerate,
  onCancel,
}: {
  flowId: string;
  busy: boolean;
  onGenerate: (from: GenerateFrom) => Promise<void>;
  onCancel: () => void;
}) {
  const executions = useExecutions(flowId, 20);
  const inbox = useInbox(flowId, 20);
  const [execution, setExecution] = useState('');
  const [request, setRequest] = useState('');
  const id = `gen-exe-${flowId}`;
  const inboxId = `gen-inbox-${flowId}`;
  return (
    <div className="sample-generate" role="group" aria-label="Generate a sample">
      <button
        type="button"
        className="btn btn-small"
        disabled={busy}
        onClick={() => void onGenerate({ kind: 'schema' })}
      >
        From the trigger&apos;s schema
      </button>
      <label className="field-label" htmlFor={id}>
        From an earlier execution
      </label>
      <div className="button-row">
        <select id={id} className="input" value={execution} onChange={(e) => setExecution(e.target.value)}>
          <option value="">{executions.data?.length === 0 ? 'No executions yet' : 'Choose an execution'}</option>
          {(executions.data ?? []).map((e) => (
            <option key={e.id} value={e.id}>
              {formatRelative(e.createdAt)} · {e.status} · {e.id}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="btn btn-small"
          disabled={busy || !execution}
          onClick={() => void onGenerate({ kind: 'execution', id: execution })}
        >
          Use its input
        </button>
      </div>
      <label className="field-label" htmlFor={inboxId}>
        From a request the hook received
      </label>
      <div className="button-row">
        <select id={inboxId} className="input" value={request} onChange={(e) => setRequest(e.target.value)}>
          <option value="">{inbox.data?.length === 0 ? 'No requests yet' : 'Choose a request'}</option>
          {(inbox.data ?? []).map((r) => (
            <option key={r.id} value={r.id}>
              {formatRelative(r.receivedAt)} · {r.method} {r.path} · {r.status}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="btn btn-small"
          disabled={busy || !request}
          onClick={() => void onGenerate({ kind: 'inbox', id: request })}
        >
          Use it
        </button>
        <button type="button" className="btn btn-small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

type CaptureState =
  | { phase: 'waiting'; until: number }
  | { phase: 'received'; sample: Sample }
  | { phase: 'timeout'; message: string }
  | { phase: 'failed'; message: string };

/** Shows the test URL and waits for the next request to it (M5.1). */
export function CaptureSample({
  flowId,
  onDone,
  onClose,
  seconds = CAPTURE_SECONDS,
}: {
  flowId: string;
  onDone: () => void;
  onClose: () => void;
  seconds?: number;
}) {
  const api = useApi();
  const hooks = useHooks(flowId, true);
  const [state, setState] = useState<CaptureState>({ phase: 'waiting', until: Date.now() + seconds * 1000 });
  const [attempt, setAttempt] = useState(0);
  const [now, setNow] = useState(Date.now());
  const waiting = useRef(false);
  const doneRef = useRef(onDone);
  doneRef.current = onDone;

  useEffect(() => {
    let live = true;
    waiting.current = true;
    setState({ phase: 'waiting', until: Date.now() + seconds * 1000 });
    api
      .captureSample(flowId, seconds * 1000)
      .then((sample) => {
        if (!live) return;
        setState({ phase: 'received', sample });
        doneRef.current();
      })
      .catch((error) => {
        if (!live) return;
        const e = toApiError(error);
        if (e.code === 'cancelled') return;
        setState(
          e.code === 'capture_timeout'
            ? { phase: 'timeout', message: e.message }
            : { phase: 'failed', message: e.message },
        );
      })
      .finally(() => {
        waiting.current = false;
      });
    return () => {
      live = false;
      // Leaving while waiting stops the capture in the core too.
      if (waiting.current) void api.cancelCapture(flowId).catch(() => undefined);
    };
  }, [api, flowId, seconds, attempt]);

  useEffect(() => {
    if (state.phase !== 'waiting') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [state.phase]);

  const cancel = () => {
    if (waiting.current) void api.cancelCapture(flowId).catch(() => undefined);
    onClose();
  };

  const h = hooks.data;
  const curl = h?.testCurl ?? '';
  const left = state.phase === 'waiting' ? Math.min(seconds, Math.max(0, Math.ceil((state.until - now) / 1000))) : 0;
  return (
    <div className="capture" role="group" aria-label="Send a sample request">
      {hooks.isError && <p className="field-error">{toApiError(hooks.error).message}</p>}
      {h && (
        <>
          <p className="small">Send a request to the test URL: it becomes the sample and nothing runs.</p>
          <div className="url-row">
            <code className="url" data-testid="capture-url">
              {h.testUrl}
            </code>
            <button
              type="button"
              className="icon-btn"
              aria-label="Copy test URL"
              onClick={() => void copyWithToast(api, h.testUrl, 'Test URL')}
            >
              <Copy size={14} aria-hidden="true" />
            </button>
          </div>
          <button type="button" className="btn btn-small" onClick={() => void copyWithToast(api, curl, 'curl command')}>
            <Copy size={14} aria-hidden="true" /> Copy as curl
          </button>
        </>
      )}
      {state.phase === 'waiting' && (
        <div className="capture-wait">
          <span className="spinner" aria-hidden="true" />
          <span data-testid="capture-countdown" aria-live="off">
            Waiting for a request… {Math.floor(left / 60)}:{String(left % 60).padStart(2, '0')}
          </span>
          <button type="button" className="btn btn-small" onClick={cancel}>
            Cancel
          </button>
        </div>
      )}
      {state.phase === 'received' && (
        <div data-testid="capture-received">
          <p className="field-ok small">
            <Check size={12} aria-hidden="true" /> Request received; it is now the current sample.
          </p>
          <pre className="json sample-value">{prettyJson(state.sample.value)}</pre>
          <button type="button" className="btn btn-small" onClick={onClose}>
            Done
          </button>
        </div>
      )}
      {(state.phase === 'timeout' || state.phase === 'failed') && (
        <div>
          <p className="field-error" role="status">
            {state.message}
          </p>
          <div className="button-row">
            <button type="button" className="btn btn-small" onClick={() => setAttempt((a) => a + 1)}>
              Wait again
            </button>
            <button type="button" className="btn btn-small" onClick={onClose}>
              Close
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/** An action's sample: its current output and "Retrieve sample" (M5.2). */
export function ActionSample({ flowId, stepId, stepName }: { flowId: string; stepId: string; stepName: string }) {
  const api = useApi();
  const client = useQueryClient();
  const saved = useStepSaved(flowId, stepId);
  const sample = useEditor((s) => s.nodes.find((n) => n.id === stepId)?.data.step.sample);
  const syncSample = useEditor((s) => s.syncSample);
  // What running the step would change, as the core says; set while asking.
  const [asking, setAsking] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const retrieve = async (confirm: boolean, useStored = false) => {
    setAsking(null);
    setBusy(true);
    try {
      const result = await api.retrieveSample(flowId, stepId, { confirm, useStored });
      syncSample(stepId, result.value as JsonValue);
      void client.invalidateQueries({ queryKey: keys.samplesOfFlow(flowId) });
      void client.invalidateQueries({ queryKey: keys.schemasOfFlow(flowId) });
      toast.success(`Sample of ${stepName} kept`);
    } catch (error) {
      const e = toApiError(error);
      // The core decides from the mapped input (an HTTP GET runs at once, a POST asks).
      if ((e.code as string) === 'confirmation_required') setAsking(e.message);
      else toast.error(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel-section" aria-labelledby={`action-sample-${stepId}`} data-testid="action-sample">
      <h3 id={`action-sample-${stepId}`}>Sample output</h3>
      <p className="muted small">Run the step once with its mapped sample input and keep its output for later steps.</p>
      {sample !== undefined && sample !== null ? (
        <pre className="json sample-value">{prettyJson(sample)}</pre>
      ) : (
        <p className="muted small">No sample yet.</p>
      )}
      <button
        type="button"
        className="btn btn-small"
        disabled={!saved || busy}
        onClick={() => void retrieve(false)}
        title={saved ? undefined : 'Save the flow first'}
      >
        Retrieve sample
      </button>
      {!saved && <p className="muted small">Save the flow to retrieve a sample.</p>}
      {asking !== null && (
        <Dialog
          title={`Run ${stepName}?`}
          role="alertdialog"
          testId="retrieve-confirm"
          onClose={() => setAsking(null)}
          footer={
            <>
              <button type="button" className="btn" onClick={() => setAsking(null)}>
                Cancel
              </button>
              <button type="button" className="btn" onClick={() => void retrieve(false, true)}>
                Use stored output
              </button>
              <button type="button" className="btn btn-primary" onClick={() => void retrieve(true)}>
                Run it
              </button>
            </>
          }
        >
          <p>{asking}</p>
          <p className="muted small">
            Run it with the sample input, or keep the output an earlier run recorded instead?
          </p>
        </Dialog>
      )}
    </section>
  );
}
