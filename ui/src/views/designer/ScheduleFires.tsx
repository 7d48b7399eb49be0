/**
 * The next fires of a Schedule trigger, shown under its configuration while
 * the cron expression or date is typed. The core answers them (the same
 * parser and time-zone rules the scheduler fires by), so what the designer
 * shows is what will run.
 */
import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import { formatInZone } from '../../lib/format';
import { useSchedulePreview } from '../../lib/queries';
import { TriangleAlert } from '../../lib/uiIcons';
import { toApiError } from '../../platform/types';
import { domId } from './formParts';

/** Whether the config names a time yet: before that, there is nothing to preview and nothing wrong. */
function namesATime(config: JsonValue | null | undefined): boolean {
  if (!config || typeof config !== 'object' || Array.isArray(config)) return false;
  const { cron, at } = config as Record<string, JsonValue>;
  return (typeof cron === 'string' && cron.trim() !== '') || (typeof at === 'string' && at.trim() !== '');
}

export function ScheduleFires({ stepId, config }: { stepId: string; config: JsonValue | null | undefined }) {
  const ready = namesATime(config);
  const preview = useSchedulePreview(config, ready);
  const titleId = domId('fires-title', stepId);

  let body: React.ReactNode;
  if (!ready) {
    body = <p className="muted small">Type a cron expression or a date to see when the flow will run.</p>;
  } else if (preview.isError) {
    body = (
      <p className="field-error" role="alert" data-testid="schedule-error">
        <TriangleAlert size={13} aria-hidden="true" /> {toApiError(preview.error).message}
      </p>
    );
  } else if (!preview.data) {
    body = <p className="muted small">Working out the next fires…</p>;
  } else if (preview.data.fires.length === 0) {
    body = <p className="muted small">This date has passed: the flow will not fire again.</p>;
  } else {
    const { timezone, fires } = preview.data;
    body = (
      <>
        <p className="muted small">
          In <code data-testid="schedule-zone">{timezone}</code>:
        </p>
        <ol className="schedule-fires" data-testid="schedule-fires" aria-busy={preview.isPlaceholderData}>
          {fires.map((fire) => (
            <li key={fire}>
              <time dateTime={fire}>{formatInZone(fire, timezone)}</time>
            </li>
          ))}
        </ol>
      </>
    );
  }

  return (
    <section className="panel-section" aria-labelledby={titleId}>
      <h3 id={titleId}>Next fires</h3>
      {body}
    </section>
  );
}
