import { ExecutionList } from '../../components/ExecutionList';
import { RouteLink } from '../../components/RouteLink';
import { useExecutions } from '../../lib/queries';

/** The latest executions of one flow, refreshed by execution events; `openId` is shown opened. */
export function RunsTab({ flowId, openId }: { flowId: string; openId?: string | null }) {
  const executions = useExecutions(flowId, 20);
  return (
    <div className="tab-body" data-testid="runs-tab">
      <p className="muted small">
        The latest runs of this flow, newest first. They update as runs progress. Each opens on its own page, where it
        can be replayed; <RouteLink to={{ name: 'runs', filters: { flow: flowId } }}>every run of this flow</RouteLink>{' '}
        is in the run log.
      </p>
      {executions.isPending ? (
        <p className="muted small">Loading…</p>
      ) : executions.isError ? (
        <p className="field-error">Could not load executions.</p>
      ) : executions.data.length === 0 ? (
        <p className="muted empty-small" data-testid="runs-empty">
          No runs yet. Use <strong>Run once</strong>, or start the flow and call its hook.
        </p>
      ) : (
        <ExecutionList executions={executions.data} compact openId={openId} />
      )}
    </div>
  );
}
