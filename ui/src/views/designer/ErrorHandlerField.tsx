import type { Step } from '../../bindings/Step';
import { useEditor } from '../../editor/store';
import { findHandler } from '../../lib/errorHandler';
import { useFlow, useFlows } from '../../lib/queries';
import { TriangleAlert } from '../../lib/uiIcons';
import { toApiError } from '../../platform/types';

/**
 * The flow's error handler: another flow, with a Manual trigger, that the
 * core starts with the failure whenever a run of this one fails. Edited in
 * the draft like the other flow settings (saved with it, undone with
 * Ctrl+Z). A name that no longer matches a flow stays shown, and flagged,
 * so it can be cleared.
 */
export function ErrorHandlerField() {
  const flowId = useEditor((s) => s.flowId);
  const handler = useEditor((s) => s.meta.errorHandler ?? '');
  const catalog = useEditor((s) => s.catalog);
  const ownTrigger = useEditor((s) => s.nodes.find((n) => n.data.trigger)?.data.step.component ?? null);
  const setMeta = useEditor((s) => s.setMeta);
  const flows = useFlows();
  const listed = flows.data ?? [];
  const target = handler ? findHandler(listed, handler) : undefined;
  const self = target !== undefined && target.id === flowId;
  // The handler's draft says what starts it (this flow's own is the editor's).
  const record = useFlow(target?.id ?? '', target !== undefined && !self);
  const others = listed.filter((f) => f.id !== flowId);
  const named = (f: { id: string; name: string }) =>
    others.filter((o) => o.name === f.name).length > 1 ? `${f.name} (${f.id})` : f.name || f.id;

  const missing = handler !== '' && flows.isSuccess && target === undefined;
  // The value names a flow some other way than by an id the list offers: by slug, or this flow itself.
  const extra = handler !== '' && !others.some((f) => f.id === handler);
  const extraLabel = missing
    ? `${handler} — no such flow`
    : self
      ? `${target.name || target.id} (this flow)`
      : target
        ? `${named(target)} (by slug ${handler})`
        : handler;

  const triggerComponent = self
    ? ownTrigger
    : record.data
      ? (record.data.draft.steps.find((s: Step) => catalog[s.component]?.kind === 'trigger')?.component ?? null)
      : undefined;
  const notManual = target !== undefined && triggerComponent !== undefined && triggerComponent !== 'manual';
  const triggerTitle = triggerComponent ? (catalog[triggerComponent]?.title ?? triggerComponent) : null;

  return (
    <section className="error-handler" aria-labelledby="error-handler-title">
      <h3 id="error-handler-title">Error handler</h3>
      <label className="field-label" htmlFor="flow-error-handler">
        Flow started when a run fails
      </label>
      <select
        id="flow-error-handler"
        className="input"
        value={handler}
        aria-invalid={missing || notManual ? true : undefined}
        aria-describedby="flow-error-handler-hint"
        data-field="errorHandler"
        onChange={(e) => setMeta({ errorHandler: e.target.value || undefined })}
      >
        <option value="">None</option>
        {others.map((f) => (
          <option key={f.id} value={f.id}>
            {named(f)}
            {f.latestVersion === null ? ' (not published)' : ''}
          </option>
        ))}
        {extra && <option value={handler}>{extraLabel}</option>}
      </select>
      <p className="field-hint" id="flow-error-handler-hint">
        When a run of this flow fails for good (after its retries), Hookline starts that flow&apos;s latest published
        version with the failure as its trigger output: <code>$trigger.execution</code>,{' '}
        <code>$trigger.failedStep</code>, <code>$trigger.error</code>. It must start from a Manual trigger.
      </p>
      {flows.isError && <p className="field-hint">The flows could not be listed: {toApiError(flows.error).message}</p>}
      {missing && (
        <p className="field-error" role="status" data-testid="error-handler-missing">
          <TriangleAlert size={13} aria-hidden="true" />{' '}
          <span>
            <code>{handler}</code>: no such flow. Publishing refuses it: choose another flow, or None.
          </span>
        </p>
      )}
      {notManual && (
        <p className="field-error" role="status" data-testid="error-handler-not-manual">
          <TriangleAlert size={13} aria-hidden="true" />{' '}
          {triggerTitle
            ? `${target.name} starts from a ${triggerTitle} trigger, not a Manual one: publishing refuses it.`
            : `${target.name} has no trigger yet: give it a Manual trigger, or publishing refuses it.`}
        </p>
      )}
      {target && !self && !notManual && target.latestVersion === null && (
        <p className="field-hint" role="status" data-testid="error-handler-unpublished">
          {target.name} is not published yet: failures start nothing until it is.
        </p>
      )}
    </section>
  );
}
