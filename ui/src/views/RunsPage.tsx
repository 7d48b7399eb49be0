import { useState } from 'react';

import { ExecutionList } from '../components/ExecutionList';
import { useExecutions, useFlows } from '../lib/queries';

/** The run log of every flow, filterable by flow. */
export function RunsPage() {
  const flows = useFlows();
  const [flow, setFlow] = useState<string>('');
  const executions = useExecutions(flow || null, 100);
  return (
    <section className="page" aria-labelledby="runs-title">
      <header className="page-header">
        <h1 id="runs-title">Run log</h1>
        <div className="toolbar">
          <label className="inline-label" htmlFor="runs-flow">
            Flow
          </label>
          <select id="runs-flow" className="input" value={flow} onChange={(e) => setFlow(e.target.value)}>
            <option value="">All flows</option>
            {(flows.data ?? []).map((f) => (
              <option key={f.id} value={f.id}>
                {f.name}
              </option>
            ))}
          </select>
        </div>
      </header>
      {executions.isPending ? (
        <p className="muted pad">Loading…</p>
      ) : executions.isError ? (
        <p className="field-error pad">Could not load the run log.</p>
      ) : executions.data.length === 0 ? (
        <div className="empty">
          <h2>No runs yet</h2>
          <p className="muted">Runs appear here as hooks are called or flows are run by hand.</p>
        </div>
      ) : (
        <ExecutionList executions={executions.data} flows={flows.data} />
      )}
    </section>
  );
}
