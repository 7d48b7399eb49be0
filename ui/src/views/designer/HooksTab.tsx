import { useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';

import type { HookRoute } from '../../bindings/HookRoute';
import type { CurlVariable } from '../../bindings/CurlVariable';
import type { NewFlowToken } from '../../bindings/NewFlowToken';
import type { SignedCall } from '../../bindings/SignedCall';
import { Dialog } from '../../components/Dialog';
import { useApi } from '../../lib/apiContext';
import { confirmAction } from '../../lib/confirm';
import { copyWithToast, exportOpenApi, exportPostman } from '../../lib/exports';
import { formatDateTime } from '../../lib/format';
import { methodsText, tokenCurl } from '../../lib/hookRoutes';
import { keys, useFlowToken, useHooks } from '../../lib/queries';
import {
  Copy,
  Download,
  ExternalLink,
  FileJson,
  Info,
  RefreshCw,
  Terminal,
  TriangleAlert,
  Webhook,
} from '../../lib/uiIcons';
import { toApiError } from '../../platform/types';
import { RequestsReceived } from './RequestsReceived';

/** Addresses of the flow's webhook and ways to call it from other tools (M9.1, M4.10). */
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
  const own = h.routes.find((route) => route.kind === 'hook');
  const others = h.routes.filter((route) => route.kind !== 'hook');
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
      {own && <Variables variables={own.variables} />}
      {h.signature && <SignBody flowId={flowId} preset={h.signature} />}
      <div className="stack-buttons">
        <button type="button" className="btn btn-small" onClick={() => void copyWithToast(api, h.curl, 'curl command')}>
          <Copy size={15} aria-hidden="true" /> Copy as curl
        </button>
        <button type="button" className="btn btn-small" onClick={() => void exportPostman(api, flowId, flowName)}>
          <Download size={15} aria-hidden="true" /> Export Postman collection
        </button>
        {h.guardedBy && (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => void exportWithSecrets(api, flowId, flowName, h.guardedBy ?? '')}
          >
            <Download size={15} aria-hidden="true" /> Export with secrets…
          </button>
        )}
        <button type="button" className="btn btn-small" onClick={() => void exportOpenApi(api)}>
          <FileJson size={15} aria-hidden="true" /> OpenAPI of live hooks
        </button>
      </div>

      <h3>Other routes</h3>
      <p className="muted small">
        Clients written for Pydio Cells, Boomerang Flow or Cloudomation call the same hook through these routes.
      </p>
      <ul className="hook-routes" aria-label="Routes into the hook">
        {others.map((route) => (
          <RouteItem key={route.kind} route={route} />
        ))}
      </ul>
      {!others.some((route) => route.kind === 'cloudomation') && (
        <p className="muted small" data-testid="cloudomation-needs-slug">
          Give the trigger a slug to get a Cloudomation URL (/api/webhook/CLIENT/SLUG).
        </p>
      )}

      <FlowToken flowId={flowId} routes={h.routes} />

      <RequestsReceived flowId={flowId} />
    </div>
  );
}

/**
 * The Postman collection with the hook credential's secrets filled in, after
 * a warning: the file then opens the hook to whoever holds it.
 */
async function exportWithSecrets(api: ReturnType<typeof useApi>, flowId: string, flowName: string, credential: string) {
  const ok = await confirmAction({
    title: 'Export the secrets too?',
    message: `The collection will hold the secrets of the credential ${credential} in clear. Anyone with the file can call the hook; keep it out of shared folders and version control.`,
    confirmLabel: 'Export with secrets',
    danger: true,
  });
  if (ok) await exportPostman(api, flowId, flowName, true);
}

/**
 * A hook that checks a signature takes no fixed command: this signs a body
 * (the trigger's sample to begin with) now and gives the curl command with
 * fresh signature headers.
 */
function SignBody({ flowId, preset }: { flowId: string; preset: string }) {
  const api = useApi();
  const [body, setBody] = useState<string | null>(null);
  const [signed, setSigned] = useState<SignedCall | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const sign = async (text: string | undefined) => {
    setBusy(true);
    setError(null);
    try {
      const call = await api.signCall(flowId, text);
      setSigned(call);
      setBody(call.body);
    } catch (failure) {
      setError(toApiError(failure).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="sign-body" data-testid="sign-body" aria-label="Sign a request">
      <h3>Sign a request</h3>
      <p className="muted small">
        This hook checks a {preset} signature, so a request needs fresh signature headers for its exact body.
      </p>
      {body !== null && (
        <label className="field">
          <span>Body to sign</span>
          <textarea
            className="json"
            rows={5}
            value={body}
            onChange={(event) => {
              setBody(event.target.value);
              setSigned(null);
            }}
          />
        </label>
      )}
      <div className="stack-buttons">
        <button type="button" className="btn btn-small" disabled={busy} onClick={() => void sign(body ?? undefined)}>
          <Terminal size={15} aria-hidden="true" /> {body === null ? 'Sign the sample' : 'Sign this body'}
        </button>
        {signed && (
          <button
            type="button"
            className="btn btn-small"
            onClick={() => void copyWithToast(api, signed.curl, 'Signed curl command')}
          >
            <Copy size={15} aria-hidden="true" /> Copy signed curl
          </button>
        )}
      </div>
      {error && <p className="field-error">{error}</p>}
      {signed && (
        <>
          <pre className="json curl" data-testid="signed-curl">
            {signed.curl}
          </pre>
          <p className="muted small">
            {signed.validForSeconds === null
              ? 'The signature holds for this body until the secret changes.'
              : `The listener accepts this signature for ${signed.validForSeconds} s; sign again after that.`}
          </p>
        </>
      )}
    </section>
  );
}

/** One route: its URL, how to call it and what a caller should know. */
function RouteItem({ route }: { route: HookRoute }) {
  const api = useApi();
  return (
    <li className="hook-route" data-testid={`route-${route.kind}`}>
      <div className="hook-route-head">
        <strong>{route.label}</strong>
        <span className="muted small">{methodsText(route.methods)}</span>
      </div>
      <div className="url-row">
        <code className="url" data-testid="route-url">
          {route.url}
        </code>
        <button
          type="button"
          className="icon-btn"
          aria-label={`Copy ${route.label} URL`}
          title="Copy URL"
          onClick={() => void copyWithToast(api, route.url, `${route.label} URL`)}
        >
          <Copy size={15} aria-hidden="true" />
        </button>
        <button
          type="button"
          className="icon-btn"
          aria-label={`Copy ${route.label} curl`}
          title="Copy as curl"
          onClick={() => void copyWithToast(api, route.curl, `${route.label} curl command`)}
        >
          <Terminal size={15} aria-hidden="true" />
        </button>
      </div>
      {route.statusUrl && (
        <p className="muted small">
          Status: <code>{route.statusUrl}</code>
        </p>
      )}
      <p className="muted small">{route.note}</p>
      <Variables variables={route.variables} />
      <details>
        <summary>curl command</summary>
        <pre className="json curl" data-testid="route-curl">
          {route.curl}
        </pre>
      </details>
    </li>
  );
}

/** The environment variables a command reads its secrets from. */
function Variables({ variables }: { variables: readonly CurlVariable[] }) {
  if (variables.length === 0) return null;
  return (
    <div className="muted small curl-variables">
      Before running it, set:
      <ul>
        {variables.map((variable) => (
          <li key={variable.name}>
            <code>{variable.name}</code>: {variable.description}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The flow's token for Boomerang Flow's route: made here (Build webhook
 * URL), or rotated after a confirmation, and shown once in a dialog.
 */
function FlowToken({ flowId, routes }: { flowId: string; routes: readonly HookRoute[] }) {
  const api = useApi();
  const client = useQueryClient();
  const token = useFlowToken(flowId, true);
  const [made, setMade] = useState<NewFlowToken | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const build = async (rotate: boolean) => {
    if (rotate) {
      const ok = await confirmAction({
        title: 'Rotate the flow token?',
        message:
          'A new token replaces the current one, which stops working at once: clients that send it are refused until they have the new one.',
        confirmLabel: 'Rotate token',
        danger: true,
      });
      if (!ok) return;
    }
    setBusy(true);
    setError(null);
    try {
      const fresh = await api.createFlowToken(flowId, rotate);
      client.setQueryData(keys.flowToken(flowId), { flowId, present: true, createdAt: fresh.createdAt });
      setMade(fresh);
    } catch (failure) {
      setError(toApiError(failure).message);
      // Another window may have made one meanwhile: show what exists now.
      void client.invalidateQueries({ queryKey: keys.flowToken(flowId) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="flow-token" aria-labelledby="flow-token-title" data-testid="flow-token">
      <h3 id="flow-token-title">Webhook token</h3>
      <p className="muted small">
        Boomerang Flow clients start the flow by posting its token to the payload URL; the token stands for the
        hook&apos;s credential.
      </p>
      {token.isPending ? (
        <p className="muted small">Loading…</p>
      ) : token.isError ? (
        <p className="field-error" role="alert">
          <TriangleAlert size={13} aria-hidden="true" /> {toApiError(token.error).message}
        </p>
      ) : token.data.present ? (
        <>
          <p className="small" data-testid="flow-token-state">
            A token was made {formatDateTime(token.data.createdAt)}. It is not shown again; rotate it to get a new one.
          </p>
          <div className="stack-buttons">
            <button type="button" className="btn btn-small" disabled={busy} onClick={() => void build(true)}>
              <RefreshCw size={15} aria-hidden="true" /> Rotate token
            </button>
          </div>
        </>
      ) : (
        <div className="stack-buttons">
          <button type="button" className="btn btn-small" disabled={busy} onClick={() => void build(false)}>
            <Webhook size={15} aria-hidden="true" /> Build webhook URL
          </button>
        </div>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="flow-token-error">
          <TriangleAlert size={13} aria-hidden="true" /> {error}
        </p>
      )}
      {made && <NewTokenDialog made={made} curl={tokenCurl(routes, made)} onClose={() => setMade(null)} />}
    </section>
  );
}

/** A token just made, shown this once with a command that uses it. */
function NewTokenDialog({ made, curl, onClose }: { made: NewFlowToken; curl: string; onClose: () => void }) {
  const api = useApi();
  const copyToken = useRef<HTMLButtonElement>(null);
  return (
    <Dialog
      title="Webhook token"
      onClose={onClose}
      initialFocus={copyToken}
      wide
      testId="new-token-dialog"
      footer={
        <button type="button" className="btn btn-primary" onClick={onClose}>
          Done
        </button>
      }
    >
      <p className="notice" role="note">
        <TriangleAlert size={14} aria-hidden="true" /> Copy the token now: it will not be shown again. Hookline keeps
        only a hash of it; if it is lost, rotate it to get a new one.
      </p>
      <h3>Token</h3>
      <div className="url-row">
        <code className="url" data-testid="new-flow-token">
          {made.token}
        </code>
        <button
          ref={copyToken}
          type="button"
          className="btn btn-small"
          onClick={() => void copyWithToast(api, made.token, 'Token')}
        >
          <Copy size={15} aria-hidden="true" /> Copy token
        </button>
      </div>
      <h3>Start the flow</h3>
      <p className="muted small">
        POST to <code>{made.payloadUrl}</code>; the answer&apos;s activityId is followed at{' '}
        <code>{made.statusUrl}</code> with the same token.
      </p>
      <pre className="json curl" data-testid="new-token-curl">
        {curl}
      </pre>
      <div className="stack-buttons">
        <button type="button" className="btn btn-small" onClick={() => void copyWithToast(api, curl, 'curl command')}>
          <Copy size={15} aria-hidden="true" /> Copy curl
        </button>
      </div>
    </Dialog>
  );
}
