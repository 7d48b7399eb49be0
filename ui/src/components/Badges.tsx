import type { ExecutionStatus } from '../bindings/ExecutionStatus';
import type { StepStatus } from '../bindings/StepStatus';

const STATUS_CLASS: Record<ExecutionStatus, string> = {
  queued: 'badge-neutral',
  running: 'badge-info',
  succeeded: 'badge-success',
  failed: 'badge-danger',
  cancelled: 'badge-warning',
};

export function StatusBadge({ status, testId }: { status: ExecutionStatus; testId?: string }) {
  return (
    <span className={`badge ${STATUS_CLASS[status]}`} data-testid={testId} data-status={status}>
      {status}
    </span>
  );
}

const STEP_CLASS: Record<StepStatus, string> = {
  running: 'badge-info',
  succeeded: 'badge-success',
  failed: 'badge-danger',
  skipped: 'badge-neutral',
  cancelled: 'badge-warning',
};

export function StepStatusBadge({ status, testId }: { status: StepStatus; testId?: string }) {
  return (
    <span className={`badge ${STEP_CLASS[status]}`} data-testid={testId} data-status={status}>
      {status}
    </span>
  );
}

export function LiveBadge({ live, testId }: { live: boolean; testId?: string }) {
  return (
    <span className={`badge ${live ? 'badge-live' : 'badge-neutral'}`} data-testid={testId}>
      {live && <span className="live-dot" aria-hidden="true" />}
      {live ? 'Live' : 'Stopped'}
    </span>
  );
}

/** "v3", "v3 · draft changed" or "Never published". */
export function versionLabel(latestVersion: number | null, draftChanged: boolean): string {
  if (latestVersion === null) return 'Never published';
  return draftChanged ? `v${latestVersion} · draft changed` : `v${latestVersion}`;
}

export function VersionBadge({
  latestVersion,
  draftChanged,
  testId,
}: {
  latestVersion: number | null;
  draftChanged: boolean;
  testId?: string;
}) {
  const cls = latestVersion === null ? 'badge-neutral' : draftChanged ? 'badge-warning' : 'badge-plain';
  return (
    <span className={`badge ${cls}`} data-testid={testId}>
      {versionLabel(latestVersion, draftChanged)}
    </span>
  );
}
