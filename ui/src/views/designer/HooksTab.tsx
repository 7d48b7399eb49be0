import { useApi } from '../../lib/apiContext';
import { copyWithToast, exportOpenApi, exportPostman } from '../../lib/exports';
import { useHooks } from '../../lib/queries';
import { Copy, Download, ExternalLink, FileJson, Info } from '../../lib/uiIcons';

/** Addresses of the flow's webhook and ways to call it from other tools (M9.1). */
export function HooksTab({
  flowId,
  flowName,
  hasWebhook,
  savedHasWebhook,
  dirty,
}: {
  flowId: string;
  flowName: string;
  hasWebhook: boolean;
  savedHasWebhook: boolean;
  dirty: boolean;
}) {
  const api = useApi();
  const hooks = useHooks(flowId, savedHasWebhook);
  if (!hasWebhook && !savedHasWebhook) {
    return (
      <div className="tab-body" data-testid="hooks-tab">
        <p className="muted">This flow has no webhook trigger, so it has no hook URL.</p>
        <button type="button" className="btn btn-small" onClick={() => void exportOpenApi(api)}>
          <FileJson size={15} aria-hidden="true" /> OpenAPI of live hooks
        </button>
      </div>
    );
  }
  if (!savedHasWebhook) {
    return (
      <div className="tab-body" data-testid="hooks-tab">
        <p className="muted">Save the flow to get its hook URL.</p>
      </div>
    );
  }
  if (hooks.isPending) return <div className="tab-body muted">Loading…</div>;
  if (hooks.isError || !hooks.data) {
    return (
      <div className="tab-body" data-testid="hooks-tab">
        <p className="field-error">
          {(hooks.error as { message?: string } | null)?.message ?? 'Could not read the hook.'}
        </p>
      </div>
    );
  }
  const h = hooks.data;
  return (
    <div className="tab-body hooks" data-testid="hooks-tab">
      {!h.live && (
        <p className="notice">
          <Info size={14} aria-hidden="true" /> The flow is stopped: its hook answers 404 until you publish and start
          it.
        </p>
      )}
      {dirty && (
        <p className="notice">
          <Info size={14} aria-hidden="true" /> Unsaved edits are not live; save, publish and start to change what the
          hook runs.
        </p>
      )}
      <h3>Hook URL</h3>
      <div className="url-row">
        <code className="url" data-testid="hook-url">
          {h.url}
        </code>
        <button
          type="button"
          className="icon-btn"
          aria-label="Copy hook URL"
          title="Copy URL"
          onClick={() => void copyWithToast(api, h.url, 'Hook URL')}
        >
          <Copy size={15} aria-hidden="true" />
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label="Open hook URL in browser"
          title="Open in browser"
          onClick={() => void api.platform.openUrl(h.url)}
        >
          <ExternalLink size={15} aria-hidden="true" />
        </button>
      </div>
      <p className="muted small">
        Accepts {h.methods.join(', ')}.
        {h.guardedBy ? ` Callers must authenticate with the credential ${h.guardedBy}.` : ''}
      </p>

      <h3>Test URL</h3>
      <div className="url-row">
        <code className="url" data-testid="hook-test-url">
          {h.testUrl}
        </code>
        <button
          type="button"
          className="icon-btn"
          aria-label="Copy test URL"
          title="Copy test URL"
          onClick={() => void copyWithToast(api, h.testUrl, 'Test URL')}
        >
          <Copy size={15} aria-hidden="true" />
        </button>
      </div>
      <p className="muted small">
        The next request to the test URL becomes the trigger&apos;s sample; the flow does not run.
      </p>

      <h3>Call it</h3>
      <pre className="json curl" data-testid="hook-curl">
        {h.curl}
      </pre>
      <div className="stack-buttons">
        <button type="button" className="btn btn-small" onClick={() => void copyWithToast(api, h.curl, 'curl command')}>
          <Copy size={15} aria-hidden="true" /> Copy as curl
        </button>
        <button type="button" className="btn btn-small" onClick={() => void exportPostman(api, flowId, flowName)}>
          <Download size={15} aria-hidden="true" /> Export Postman collection
        </button>
        <button type="button" className="btn btn-small" onClick={() => void exportOpenApi(api)}>
          <FileJson size={15} aria-hidden="true" /> OpenAPI of live hooks
        </button>
      </div>
    </div>
  );
}
