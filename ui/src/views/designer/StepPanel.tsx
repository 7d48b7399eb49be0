import { lazy, Suspense, useEffect, useMemo, useRef, useState } from 'react';

import type { ComponentDescriptor } from '../../bindings/ComponentDescriptor';
import type { Step } from '../../bindings/Step';
import { useEditor } from '../../editor/store';
import { useApi } from '../../lib/apiContext';
import { confirmAction } from '../../lib/confirm';
import { findField } from '../../lib/dom';
import { copyWithToast } from '../../lib/exports';
import { ComponentIcon } from '../../lib/icons';
import { withInput } from '../../lib/inputs';
import { Copy, SquareFunction, Trash2, TriangleAlert } from '../../lib/uiIcons';
import { ChangeTrigger } from './ChangeTrigger';
import { ConfigForm } from './ConfigForm';
import { CredentialPicker } from './CredentialPicker';
import { FailureSettings } from './FailureSettings';
import { JsonWidget } from './fields';
import { domId } from './formParts';
import { InputsForm } from './InputsForm';
import { ScheduleFires } from './ScheduleFires';
import { ActionSample, TriggerSamples, useStepSaved } from './SamplesSection';
import { useDraftDocument, useStepPreview } from './stepPreview';

// The mapping editor (with its JSONata completion) loads when first opened.
const MappingEditor = lazy(() => import('./MappingEditor').then((m) => ({ default: m.MappingEditor })));

export function StepPanel({ stepId, component }: { stepId: string; component: ComponentDescriptor | undefined }) {
  const step = useEditor((s) => s.nodes.find((n) => n.id === stepId)?.data.step);
  const updateStep = useEditor((s) => s.updateStep);
  const deleteElements = useEditor((s) => s.deleteElements);
  const allProblems = useEditor((s) => s.problems);
  const focusRequest = useEditor((s) => s.focusRequest);
  const flowId = useEditor((s) => s.flowId);
  const saved = useStepSaved(flowId, stepId);
  const [mapping, setMapping] = useState(false);
  const api = useApi();
  const root = useRef<HTMLDivElement>(null);
  const problems = useMemo(() => allProblems.filter((p) => p.stepId === stepId), [allProblems, stepId]);
  // An action's mapped fields are previewed as they are typed, so a path
  // that yields nothing is flagged on the field, not first at publish.
  const draft = useDraftDocument();
  const preview = useStepPreview(flowId ?? '', stepId, draft, null, flowId !== null && component?.kind === 'action');
  const flags = useMemo(() => new Map((preview.data?.fields ?? []).map((f) => [f.field, f])), [preview.data]);

  // Jump to the field a problem names.
  useEffect(() => {
    if (!focusRequest || focusRequest.stepId !== stepId || !root.current) return;
    const target =
      (focusRequest.field ? findField(root.current, focusRequest.field) : null) ??
      root.current.querySelector<HTMLElement>('input, textarea, select');
    if (target) {
      target.scrollIntoView({ block: 'center' });
      target.focus();
    }
  }, [focusRequest, stepId]);

  if (!step) return null;
  const trigger = component?.kind === 'trigger';
  const update = (change: (s: Step) => Step, key?: string) => updateStep(stepId, change, key);

  const onDelete = async () => {
    const ok = await confirmAction({
      title: `Delete ${step.name}?`,
      message: 'The step and its connections are removed from the draft. You can undo this.',
      confirmLabel: 'Delete step',
      danger: true,
    });
    if (ok) deleteElements([stepId], []);
  };

  return (
    <div className="step-panel" ref={root} data-testid="step-panel">
      <header className="step-panel-header">
        <span className="step-panel-icon">
          <ComponentIcon name={component?.icon ?? ''} size={20} />
        </span>
        <div>
          <div className="step-panel-kind">{component?.title ?? step.component}</div>
          <div className="muted small">{component?.description ?? `Unknown component ${step.component}`}</div>
        </div>
      </header>

      <section className="panel-section" aria-label="Summary">
        <label className="field-label" htmlFor={domId('step-name', stepId)}>
          Step name
        </label>
        <input
          id={domId('step-name', stepId)}
          className="input"
          value={step.name}
          data-field="name"
          onChange={(e) => update((s) => ({ ...s, name: e.target.value }), 'name')}
        />
        <label className="field-label" htmlFor={domId('step-note', stepId)}>
          Note
        </label>
        <textarea
          id={domId('step-note', stepId)}
          className="input"
          rows={2}
          value={step.note ?? ''}
          placeholder="What this step is for"
          onChange={(e) =>
            update(({ note: _old, ...rest }) => (e.target.value ? { ...rest, note: e.target.value } : rest), 'note')
          }
        />
        <div className="step-id">
          <span className="muted small">Step id</span> <code data-testid="step-id">{stepId}</code>
          <button
            type="button"
            className="icon-btn"
            aria-label="Copy step id"
            title={`Use as $steps.${stepId}`}
            onClick={() => void copyWithToast(api, stepId, 'Step id')}
          >
            <Copy size={13} aria-hidden="true" />
          </button>
        </div>
      </section>

      {problems.length > 0 && (
        <section className="panel-section problems-inline" aria-label="Problems of this step">
          {problems.map((p, i) => (
            <p key={i} className="field-error">
              <TriangleAlert size={13} aria-hidden="true" /> {p.message}
            </p>
          ))}
        </section>
      )}

      {component && trigger && (
        <section className="panel-section" aria-labelledby={domId('config-title', stepId)}>
          <div className="section-head">
            <h3 id={domId('config-title', stepId)}>Configuration</h3>
            <ChangeTrigger stepId={stepId} current={component.id} />
          </div>
          <ConfigForm
            stepId={stepId}
            schema={component.configSchema}
            config={step.config}
            problems={problems}
            onChange={(config, key) => update((s) => ({ ...s, config }), `config:${key}`)}
          />
        </section>
      )}

      {/* Triggers that fire at times their config names preview the next ones. */}
      {component?.firesOnSchedule && <ScheduleFires stepId={stepId} config={step.config} />}

      {component && !trigger && (
        <section className="panel-section" aria-labelledby={domId('inputs-title', stepId)}>
          <div className="section-head">
            <h3 id={domId('inputs-title', stepId)}>Inputs</h3>
            {flowId && (
              <button
                type="button"
                className="btn btn-small"
                onClick={() => setMapping(true)}
                title="Map sample fields of earlier steps onto these inputs, with live preview"
              >
                <SquareFunction size={14} aria-hidden="true" /> Map fields
              </button>
            )}
          </div>
          <p className="muted small">
            Each input is a literal value or a JSONata expression over the trigger&apos;s output (
            <code>body.field</code>, <code>$trigger.body.field</code>) and earlier steps (<code>$steps.&lt;id&gt;</code>
            ).
          </p>
          <InputsForm
            stepId={stepId}
            schema={component.inputSchema}
            inputs={step.inputs ?? {}}
            declared={step.fields}
            problems={problems}
            flags={flags}
            onSet={(key, input) => update((s) => ({ ...s, inputs: withInput(s.inputs, key, input) }), `inputs:${key}`)}
            onUpdate={update}
          />
        </section>
      )}

      {component && component.credentialKinds.length > 0 && (
        <section className="panel-section" aria-labelledby={domId('credential-title', stepId)}>
          <h3 id={domId('credential-title', stepId)}>Credential</h3>
          <CredentialPicker
            stepId={stepId}
            kinds={component.credentialKinds}
            value={step.credential ?? null}
            onChange={(credential) =>
              update(({ credential: _old, ...rest }) => (credential ? { ...rest, credential } : rest))
            }
          />
        </section>
      )}

      {component && !trigger && <FailureSettings step={step} onUpdate={update} />}

      {component && !trigger && flowId && <ActionSample flowId={flowId} stepId={stepId} stepName={step.name} />}

      {mapping && component && flowId && (
        <Suspense fallback={null}>
          <MappingEditor flowId={flowId} stepId={stepId} component={component} onClose={() => setMapping(false)} />
        </Suspense>
      )}

      {trigger && flowId && component && <TriggerSamples flowId={flowId} stepId={stepId} component={component} />}

      {trigger && !saved && (
        <section className="panel-section" aria-labelledby={domId('sample-title', stepId)}>
          <h3 id={domId('sample-title', stepId)}>Sample output</h3>
          <p className="muted small">Used as the trigger&apos;s output when you run the flow once from here.</p>
          <JsonWidget
            id={domId('sample', stepId)}
            label="Sample output"
            spec={{ key: 'sample', title: 'Sample', kind: 'json', required: false, schema: {}, openObject: false }}
            value={step.sample ?? undefined}
            onChange={(sample) =>
              update(({ sample: _old, ...rest }) => (sample === undefined ? rest : { ...rest, sample }), 'sample')
            }
          />
          {component?.exampleOutput !== undefined && step.sample == null && (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => update((s) => ({ ...s, sample: component.exampleOutput }))}
            >
              Use the example output
            </button>
          )}
        </section>
      )}

      <footer className="panel-footer">
        <button type="button" className="btn btn-danger" onClick={() => void onDelete()}>
          <Trash2 size={15} aria-hidden="true" /> Delete step
        </button>
      </footer>
    </div>
  );
}
