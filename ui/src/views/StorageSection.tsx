import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { useApi } from '../lib/apiContext';
import { keys, useStorageStatus } from '../lib/queries';
import { toast } from '../lib/toast';
import { toApiError } from '../platform/types';

/** A size as people read it. */
export function formatBytes(count: number): string {
  if (count < 1024) return `${count} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let size = count / 1024;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${size.toFixed(1)} ${units[unit]}`;
}

/** The Settings card that shows what the database holds and prunes it at once. */
export function StorageSection() {
  const api = useApi();
  const client = useQueryClient();
  const status = useStorageStatus();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const prune = async () => {
    setBusy(true);
    setError(null);
    try {
      const report = await api.pruneStorage();
      toast.success(`Pruned ${report.deleted} rows; ${formatBytes(report.freedBytes)} given back to the disk`);
      await client.invalidateQueries({ queryKey: keys.storage });
      void client.invalidateQueries({ queryKey: keys.executionsAll });
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };

  const s = status.data;
  return (
    <section className="card" aria-labelledby="storage-title">
      <h2 id="storage-title">Storage</h2>
      {status.isPending ? (
        <p className="muted">Loading…</p>
      ) : status.isError || !s ? (
        <p className="field-error">Could not read the database: {toApiError(status.error).message}</p>
      ) : (
        <>
          <p className="muted">
            Finished executions, refused requests and captures older than {s.retentionDays} days go, and beyond the
            newest {s.executionsPerFlow.toLocaleString()} finished executions per flow; pruning runs every minute while
            the listener runs. Executions still queued or running are never pruned.
          </p>
          <dl className="storage-figures" data-testid="storage-figures">
            <dt>Database</dt>
            <dd>{formatBytes(s.databaseBytes)}</dd>
            <dt>Free inside, not yet given back</dt>
            <dd>{formatBytes(s.freeBytes)}</dd>
            <dt>Write-ahead log</dt>
            <dd>{formatBytes(s.walBytes)}</dd>
            <dt>Last prune</dt>
            <dd data-testid="last-prune">
              {s.lastPrune
                ? `${new Date(s.lastPrune.at).toLocaleString()}: ${s.lastPrune.deleted} rows, ${formatBytes(
                    s.lastPrune.freedBytes,
                  )} given back, ${s.lastPrune.durationMs} ms`
                : 'never'}
            </dd>
          </dl>
          <table className="storage-rows">
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Rows</th>
              </tr>
            </thead>
            <tbody>
              {s.rows.map((kind) => (
                <tr key={kind.table}>
                  <td>{kind.table.replace('_', ' ')}</td>
                  <td className="num">{kind.rows.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row">
            <button type="button" className="btn" disabled={busy} onClick={() => void prune()}>
              {busy ? 'Pruning…' : 'Prune now'}
            </button>
          </div>
        </>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
