/**
 * The hook's request inbox (M4.11): the latest requests that reached it,
 * accepted or refused, each of which can be replayed as a new execution of
 * the latest published version, with a link to the execution it became.
 */
import { useState } from 'react';

import type { Execution, InboxView } from '../../api';
import { StatusBadge } from '../../components/Badges';
import { RouteLink } from '../../components/RouteLink';
import { useApi } from '../../lib/apiContext';
import { formatRelative } from '../../lib/format';
import { useInbox } from '../../lib/queries';
import { useRouter } from '../../lib/router';
import { toast } from '../../lib/toast';
import { LoaderCircle, RotateCcw } from '../../lib/uiIcons';
import { toApiError } from '../../platform/types';

/** How many requests the panel lists. */
export const INBOX_SHOWN = 10;

function requestLine(entry: InboxView): string {
  return `${entry.method} ${entry.path}${entry.query ? `?${entry.query}` : ''}`;
}

export function RequestsReceived({ flowId }: { flowId: string }) {
  const api = useApi();
  const navigate = useRouter((s) => s.navigate);
  const inbox = useInbox(flowId, INBOX_SHOWN);
  const [replays, setReplays] = useState<Record<string, Execution>>({});
  const [busy, setBusy] = useState<string | null>(null);

  const replay = async (entry: InboxView) => {
    setBusy(entry.id);
    try {
      const execution = await api.replayInbox(entry.id);
      setReplays((done) => ({ ...done, [entry.id]: execution }));
      const details = {
        label: 'Details',
        run: () => void navigate({ name: 'execution', executionId: execution.id }),
      };
      const what = `${requestLine(entry)} replayed as ${execution.id}`;
      if (execution.status === 'succeeded') toast.success(`${what}: succeeded`, { action: details });
      else
        toast.failure(`${what}: ${execution.status}${execution.error ? ` (${execution.error})` : ''}`, {
          action: details,
        });
    } catch (error) {
      toast.error(error, `${requestLine(entry)} was not replayed`);
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="inbox" aria-labelledby="inbox-title" data-testid="inbox">
      <h3 id="inbox-title">Requests received</h3>
      <p className="muted small">
        The latest requests to the hook, accepted or refused. Replay runs one again against the latest published
        version.
      </p>
      {inbox.isPending ? (
        <p className="muted small">Loading…</p>
      ) : inbox.isError ? (
        <p className="field-error">{toApiError(inbox.error).message}</p>
      ) : inbox.data.length === 0 ? (
        <p className="muted small" data-testid="inbox-empty">
          No request has reached the hook yet.
        </p>
      ) : (
        <ul className="inbox-list" aria-label="Requests received">
          {inbox.data.map((entry) => {
            const replayed = replays[entry.id];
            return (
              <li key={entry.id} className="inbox-entry" data-testid="inbox-entry" data-inbox-id={entry.id}>
                <div className="inbox-head">
                  <span className={`badge ${entry.status < 400 ? 'badge-success' : 'badge-danger'}`}>
                    {entry.status}
                  </span>
                  <code className="inbox-request">{requestLine(entry)}</code>
                  <span className="muted small" title={entry.receivedAt}>
                    {formatRelative(entry.receivedAt)}
                  </span>
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={busy !== null}
                    title="Run this request again as a new execution of the latest published version"
                    onClick={() => void replay(entry)}
                  >
                    {busy === entry.id ? (
                      <LoaderCircle size={14} className="spin" aria-hidden="true" />
                    ) : (
                      <RotateCcw size={14} aria-hidden="true" />
                    )}{' '}
                    Replay
                  </button>
                </div>
                {entry.reason && <p className="muted small">Refused: {entry.reason}</p>}
                {(entry.executionId || replayed) && (
                  <p className="small inbox-runs">
                    {entry.executionId && (
                      <span>
                        Ran as{' '}
                        <RouteLink to={{ name: 'execution', executionId: entry.executionId }}>
                          <code>{entry.executionId}</code>
                        </RouteLink>
                      </span>
                    )}
                    {replayed && (
                      <span data-testid="inbox-replay">
                        Replayed as{' '}
                        <RouteLink to={{ name: 'execution', executionId: replayed.id }}>
                          <code>{replayed.id}</code>
                        </RouteLink>{' '}
                        <StatusBadge status={replayed.status} />
                      </span>
                    )}
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
