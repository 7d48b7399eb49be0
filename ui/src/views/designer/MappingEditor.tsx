/**
 * The mapping editor (M6): the samples of every earlier step as a tree on
 * the left, the action's input fields on the right. Picking a source field
 * (click or Enter while a target is chosen) or dragging it onto a target
 * writes its expression into the draft; every field shows its value
 * previewed by the core against the unsaved draft and the chosen sample.
 */
import { useQueries } from '@tanstack/react-query';
import { memo, useMemo, useRef, useState } from 'react';

import type { FieldPreview } from '../../api';
import type { ComponentDescriptor } from '../../bindings/ComponentDescriptor';
import type { FlowDocument } from '../../bindings/FlowDocument';
import type { Step } from '../../bindings/Step';
import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import { Dialog } from '../../components/Dialog';
import { useEditor } from '../../editor/store';
import { useApi } from '../../lib/apiContext';
import { declaredUnder, expression, isExpression, subFieldKeys, withInput } from '../../lib/inputs';
import { asSchema, describeFields } from '../../lib/jsonSchema';
import { keys, useFlow, useSamples } from '../../lib/queries';
import { buildSourceTree, previewText, type SourceNode } from '../../lib/sampleTree';
import type { CompletionData } from '../../lib/jsonata';
import { toApiError } from '../../platform/types';
import { ChevronRight, TriangleAlert } from '../../lib/uiIcons';
import { ExpressionEditor } from './ExpressionEditor';
import { FLAG_LABEL, useDraftDocument, useStepPreview } from './stepPreview';

const DRAG_TYPE = 'application/x-hookline-path';

/** Steps that run before `stepId` (its ancestors), in document order. */
export function earlierSteps(doc: FlowDocument, stepId: string): Step[] {
  const before = new Set<string>();
  const stack = [stepId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    for (const e of doc.edges) {
      if (e.to === id && !before.has(e.from)) {
        before.add(e.from);
        stack.push(e.from);
      }
    }
  }
  return doc.steps.filter((s) => before.has(s.id));
}

interface TargetSpec {
  key: string;
  title: string;
  required: boolean;
  type: string;
}

function typeLabel(schema: unknown): string {
  const s = asSchema(schema);
  if (s.enum) return 'enum';
  if (s.type === undefined) return 'any';
  return (Array.isArray(s.type) ? s.type : [s.type]).join(' | ');
}

/** The component's input fields, each followed by the fields declared or set below it. */
function targetsOf(component: ComponentDescriptor, inputs: Step['inputs'], declared: Step['fields']): TargetSpec[] {
  const out: TargetSpec[] = [];
  for (const f of describeFields(component.inputSchema)) {
    out.push({ key: f.key, title: f.title, required: f.required, type: typeLabel(f.schema) });
    if (f.openObject) {
      const own = declaredUnder(declared, f.key);
      for (const d of own) out.push({ key: d.field, title: d.field, required: d.required === true, type: d.type });
      const sub = asSchema(f.schema).additionalProperties;
      for (const key of subFieldKeys(inputs ?? {}, f.key)) {
        if (!own.some((d) => d.field === key))
          out.push({ key, title: key, required: false, type: typeLabel(typeof sub === 'object' ? sub : {}) });
      }
    }
  }
  return out;
}

export function MappingEditor({
  flowId,
  stepId,
  component,
  onClose,
}: {
  flowId: string;
  stepId: string;
  component: ComponentDescriptor;
  onClose: () => void;
}) {
  const api = useApi();
  const doc = useDraftDocument();
  const updateStep = useEditor((s) => s.updateStep);
  const record = useFlow(flowId);
  const step = doc.steps.find((s) => s.id === stepId);
  const earlier = useMemo(() => earlierSteps(doc, stepId), [doc, stepId]);
  const catalog = useEditor((s) => s.catalog);
  const trigger = earlier.find((s) => catalog[s.component]?.kind === 'trigger');
  const savedIds = useMemo(() => new Set(record.data?.draft.steps.map((s) => s.id) ?? []), [record.data]);
  const samples = useSamples(flowId, trigger?.id ?? '', !!trigger && savedIds.has(trigger.id));
  const [sampleIndex, setSampleIndex] = useState<number | null>(null);
  const [target, setTarget] = useState<string | null>(null);
  const [hint, setHint] = useState<string | null>(null);
  const body = useRef<HTMLDivElement>(null);

  const schemas = useQueries({
    queries: earlier.map((s) => ({
      queryKey: keys.schema(flowId, s.id),
      queryFn: () => api.inferSchema(flowId, s.id),
      enabled: savedIds.has(s.id),
      retry: false,
    })),
  });

  const trees = useMemo(
    () =>
      earlier.map((s, i) => {
        const isTrigger = s.id === trigger?.id;
        const chosen = isTrigger && sampleIndex !== null ? samples.data?.[sampleIndex]?.value : s.sample;
        const value = (chosen ?? undefined) as JsonValue | undefined;
        return buildSourceTree(isTrigger ? '$trigger' : `$steps.${s.id}`, s.name, schemas[i]?.data ?? {}, value);
      }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- schemas is a new array every render; its data is what matters
    [earlier, trigger?.id, sampleIndex, samples.data, schemas.map((q) => q.dataUpdatedAt).join()],
  );

  const completion = useMemo<CompletionData>(
    () => ({
      steps: earlier.map((s, i) => ({ id: s.id, name: s.name, trigger: s.id === trigger?.id, tree: trees[i] })),
    }),
    [earlier, trigger?.id, trees],
  );

  const preview = useStepPreview(flowId, stepId, doc, sampleIndex, record.data !== undefined);
  const targets = useMemo(
    () => targetsOf(component, step?.inputs, step?.fields),
    [component, step?.inputs, step?.fields],
  );

  const focusTarget = (key: string) => {
    const all = body.current?.querySelectorAll<HTMLElement>('[data-map-field]') ?? [];
    [...all].find((el) => el.dataset.mapField === key)?.focus();
  };

  const write = (key: string, path: string) => {
    updateStep(stepId, (s) => ({ ...s, inputs: withInput(s.inputs, key, expression(path)) }));
    setTarget(key);
    setHint(null);
  };

  const pick = (path: string) => {
    if (!target) {
      setHint('Choose a target field on the right first, then pick the source field.');
      return;
    }
    write(target, path);
    focusTarget(target);
  };

  if (!step) return null;
  const previewError = preview.isError ? toApiError(preview.error).message : null;

  return (
    <Dialog
      title={`Map fields of ${step.name}`}
      onClose={onClose}
      wide
      className="mapping-dialog"
      testId="mapping-editor"
    >
      <div className="mapping" ref={body}>
        <div className="mapping-toolbar">
          <label className="field-label" htmlFor={`map-sample-${stepId}`}>
            Preview against
          </label>
          <select
            id={`map-sample-${stepId}`}
            className="input"
            value={sampleIndex === null ? '' : String(sampleIndex)}
            onChange={(e) => setSampleIndex(e.target.value === '' ? null : Number(e.target.value))}
            data-testid="preview-sample"
          >
            <option value="">The current sample</option>
            {(samples.data ?? []).map((s, i) => (
              <option key={s.id} value={String(i)}>
                Sample {i + 1} · {s.source}
                {s.current ? ' (current)' : ''}
              </option>
            ))}
          </select>
          {preview.isFetching && <span className="muted small">Previewing…</span>}
          {previewError && <span className="field-error small">{previewError}</span>}
        </div>
        {hint && (
          <p className="notice" role="status">
            {hint}
          </p>
        )}
        <div className="mapping-columns">
          <section className="mapping-sources" aria-label="Sample data of earlier steps">
            <h3>Sample data</h3>
            {earlier.length === 0 && <p className="muted small">No step runs before this one.</p>}
            {trees.map((tree) => (
              <SourceTree key={tree.path} tree={tree} onPick={pick} />
            ))}
          </section>
          <section className="mapping-targets" aria-label={`Inputs of ${step.name}`}>
            <h3>Inputs</h3>
            {targets.length === 0 && <p className="muted small">This action takes no inputs.</p>}
            {targets.map((t) => (
              <TargetField
                key={t.key}
                spec={t}
                input={step.inputs?.[t.key]}
                active={target === t.key}
                completion={completion}
                preview={preview.data?.fields.find((f) => f.field === t.key)}
                onFocus={() => setTarget(t.key)}
                onDrop={(path) => write(t.key, path)}
                onChange={(text) =>
                  updateStep(
                    stepId,
                    (s) => ({ ...s, inputs: withInput(s.inputs, t.key, text === '' ? undefined : expression(text)) }),
                    `inputs:${t.key}`,
                  )
                }
              />
            ))}
          </section>
        </div>
      </div>
    </Dialog>
  );
}

const SourceTree = memo(function SourceTree({ tree, onPick }: { tree: SourceNode; onPick: (path: string) => void }) {
  const [expanded, setExpanded] = useState<Set<string>>(
    () => new Set([tree.path, ...tree.children.filter((c) => c.children.length > 0).map((c) => c.path)]),
  );
  const toggle = (path: string) =>
    setExpanded((old) => {
      const next = new Set(old);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  return (
    <ul className="source-tree" aria-label={`Fields of ${tree.label}`}>
      <SourceRow node={tree} depth={0} expanded={expanded} toggle={toggle} onPick={onPick} root />
    </ul>
  );
});

function SourceRow({
  node,
  depth,
  expanded,
  toggle,
  onPick,
  root,
}: {
  node: SourceNode;
  depth: number;
  expanded: Set<string>;
  toggle: (p: string) => void;
  onPick: (path: string) => void;
  root?: boolean;
}) {
  const open = expanded.has(node.path);
  const type = `${node.types.join(' | ') || 'unknown'}${node.nullable ? ' | null' : ''}`;
  return (
    <li className="source-node">
      <div className="source-row" style={{ paddingLeft: depth * 14 }}>
        {node.children.length > 0 ? (
          <button
            type="button"
            className={`icon-btn tree-toggle${open ? ' open' : ''}`}
            aria-expanded={open}
            aria-label={`${open ? 'Collapse' : 'Expand'} ${node.label}`}
            onClick={() => toggle(node.path)}
          >
            <ChevronRight size={13} aria-hidden="true" />
          </button>
        ) : (
          <span className="tree-toggle-space" aria-hidden="true" />
        )}
        <button
          type="button"
          className={`source-field${root ? ' root' : ''}`}
          data-testid="source-field"
          data-path={node.path}
          draggable
          title={`Map ${node.path}`}
          aria-label={`${root ? `${node.label} (${node.path})` : node.label}, ${type}${node.optional ? ', optional' : ''}${node.value !== undefined && node.children.length === 0 ? `, ${previewText(node.value)}` : ''}`}
          onClick={() => onPick(node.path)}
          onDragStart={(e) => {
            e.dataTransfer.setData(DRAG_TYPE, node.path);
            e.dataTransfer.setData('text/plain', node.path);
            e.dataTransfer.effectAllowed = 'copy';
          }}
        >
          <span className="source-key">{root ? `${node.label}` : node.label}</span>
          {node.optional && (
            <span className="muted small" title="Some samples lack this field">
              ?
            </span>
          )}
          <span className="source-type">{type}</span>
          {node.value !== undefined && node.children.length === 0 && (
            <span className="source-value mono">{previewText(node.value, 40)}</span>
          )}
        </button>
      </div>
      {open && node.children.length > 0 && (
        <ul>
          {node.children.map((child) => (
            <SourceRow
              key={child.path}
              node={child}
              depth={depth + 1}
              expanded={expanded}
              toggle={toggle}
              onPick={onPick}
            />
          ))}
        </ul>
      )}
    </li>
  );
}

function TargetField({
  spec,
  input,
  active,
  completion,
  preview,
  onFocus,
  onDrop,
  onChange,
}: {
  spec: TargetSpec;
  input: NonNullable<Step['inputs']>[string] | undefined;
  active: boolean;
  completion: CompletionData;
  preview: FieldPreview | undefined;
  onFocus: () => void;
  onDrop: (path: string) => void;
  onChange: (text: string) => void;
}) {
  const [over, setOver] = useState(false);
  const id = `map-${spec.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const literal = input !== undefined && !isExpression(input);
  const text = input === undefined ? '' : isExpression(input) ? input.expr : JSON.stringify(input.value);
  const flagged = preview && preview.check !== 'ok';
  return (
    <div
      className={`target-field${active ? ' active' : ''}${over ? ' drop-over' : ''}${flagged ? ' flagged' : ''}`}
      data-testid="target-field"
      data-field={spec.key}
      onDragOver={(e) => {
        if (![...e.dataTransfer.types].includes(DRAG_TYPE) && ![...e.dataTransfer.types].includes('text/plain')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const path = e.dataTransfer.getData(DRAG_TYPE) || e.dataTransfer.getData('text/plain');
        if (path) onDrop(path);
      }}
    >
      <div className="field-head">
        <label className="field-label mono" htmlFor={id} onClick={() => document.getElementById(id)?.focus()}>
          {spec.key}
          {spec.required && (
            <span className="required" title="Required">
              <span aria-hidden="true"> *</span>
              <span className="visually-hidden"> (required)</span>
            </span>
          )}
        </label>
        <span className="source-type">{spec.type}</span>
        {literal && <span className="badge badge-neutral">literal</span>}
      </div>
      <ExpressionEditor
        id={id}
        fieldKey={spec.key}
        value={text}
        label={`${spec.key}${spec.required ? ' (required)' : ''}: JSONata expression`}
        placeholder="Pick or drop a field, or type an expression"
        invalid={!!flagged}
        describedBy={`${id}-preview`}
        errorPosition={preview?.error?.position ?? undefined}
        completion={completion}
        onFocus={onFocus}
        onChange={onChange}
      />
      <div id={`${id}-preview`} className="field-preview">
        <FieldPreviewLine preview={preview} text={text} />
      </div>
    </div>
  );
}

function FieldPreviewLine({ preview, text }: { preview: FieldPreview | undefined; text: string }) {
  if (!preview) return null;
  return (
    <>
      {preview.value !== undefined && (
        <span className="preview-value" data-testid="preview-value" data-type={preview.valueType}>
          <span className="muted small">= </span>
          <code>{previewText(preview.value as JsonValue, 80)}</code>{' '}
          <span className="source-type">{preview.valueType}</span>
        </span>
      )}
      {preview.value === undefined && preview.check === 'ok' && preview.source && (
        <span className="muted small">(nothing for this sample: the field is left out)</span>
      )}
      {preview.error && (
        <p className="field-error small" data-testid="preview-error">
          {preview.error.message}
          {preview.error.position !== undefined && (
            <>
              {' '}
              at character {preview.error.position + 1}:{' '}
              <code className="expr-snippet">
                {text.slice(Math.max(0, preview.error.position - 20), preview.error.position)}
                <mark>{text.slice(preview.error.position, preview.error.position + 1) || ' '}</mark>
                {text.slice(preview.error.position + 1, preview.error.position + 20)}
              </code>
            </>
          )}
        </p>
      )}
      {preview.check !== 'ok' && preview.check !== 'error' && (
        <p
          className={`preview-flag flag-${preview.check}`}
          data-testid="preview-flag"
          data-check={preview.check}
          role="status"
        >
          <TriangleAlert size={12} aria-hidden="true" /> {FLAG_LABEL[preview.check]}
          {preview.message ? `: ${preview.message}` : ''}
        </p>
      )}
      {preview.check === 'error' && !preview.error && (
        <p className="preview-flag flag-error" data-testid="preview-flag" data-check="error" role="status">
          <TriangleAlert size={12} aria-hidden="true" /> {preview.message ?? 'The expression failed'}
        </p>
      )}
    </>
  );
}
