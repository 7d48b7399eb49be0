import { useState } from 'react';

import { Dialog } from '../../components/Dialog';
import { useApi } from '../../lib/apiContext';
import { confirmAction } from '../../lib/confirm';
import { formatDateTime, prettyJson } from '../../lib/format';
import { useVersionDocument, useVersions } from '../../lib/queries';
import { toast } from '../../lib/toast';
import { History } from '../../lib/uiIcons';

/** Published versions: pick one to read it, restore it into the draft. */
export function VersionsDialog({
  flowId,
  dirty,
  onClose,
  onRestored,
}: {
  flowId: string;
  dirty: boolean;
  onClose: () => void;
  onRestored: () => void;
}) {
  const api = useApi();
  const versions = useVersions(flowId);
  const [chosen, setChosen] = useState<number | null>(null);
  const current = chosen ?? versions.data?.[0]?.version ?? null;
  const document = useVersionDocument(flowId, current);

  const restore = async (version: number) => {
    const ok = await confirmAction({
      title: `Restore v${version} into the draft?`,
      message: dirty
        ? `The draft is replaced by version ${version}, and your unsaved edits are lost. Published versions stay as they are.`
        : `The draft is replaced by version ${version}. Published versions stay as they are.`,
      confirmLabel: `Restore v${version}`,
      danger: dirty,
    });
    if (!ok) return;
    try {
      await api.restoreVersion(flowId, version);
      toast.success(`Draft restored from v${version}`);
      onRestored();
      onClose();
    } catch (error) {
      toast.error(error, 'Restore failed');
    }
  };

  return (
    <Dialog title="Versions" onClose={onClose} wide testId="versions-dialog">
      {versions.isPending ? (
        <p className="muted">Loading…</p>
      ) : !versions.data || versions.data.length === 0 ? (
        <p className="muted">
          <History size={16} aria-hidden="true" /> Nothing published yet. Publish the draft to create version 1.
        </p>
      ) : (
        <div className="versions">
          <ul className="version-list" aria-label="Published versions">
            {versions.data.map((v) => (
              <li key={v.version}>
                <button
                  type="button"
                  className={`version-item${v.version === current ? ' active' : ''}`}
                  aria-current={v.version === current ? 'true' : undefined}
                  onClick={() => setChosen(v.version)}
                  data-testid="version-row"
                >
                  <strong>v{v.version}</strong>
                  <span className="muted small">{formatDateTime(v.createdAt)}</span>
                </button>
              </li>
            ))}
          </ul>
          <div className="version-view">
            {current !== null && (
              <div className="version-actions">
                <strong>Version {current}</strong>
                <button type="button" className="btn btn-small" onClick={() => void restore(current)}>
                  Restore into draft
                </button>
              </div>
            )}
            {document.isPending ? (
              <p className="muted">Loading…</p>
            ) : document.data ? (
              <pre className="json version-json">{prettyJson(document.data)}</pre>
            ) : null}
          </div>
        </div>
      )}
    </Dialog>
  );
}
