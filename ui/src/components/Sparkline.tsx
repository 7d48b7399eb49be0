import type { HourActivity } from '../api';

const hourOf = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

/**
 * A flow's last hours as small bars, one per hour, oldest first: the height
 * is the runs of the hour against the busiest hour, the failed part red at
 * the foot. Plain SVG; each bar says its hour and counts on hover.
 */
export function Sparkline({
  hours,
  width = 120,
  height = 26,
}: {
  hours: readonly HourActivity[];
  width?: number;
  height?: number;
}) {
  const runs = hours.reduce((n, h) => n + h.runs, 0);
  const failed = hours.reduce((n, h) => n + h.failed, 0);
  const busiest = Math.max(1, ...hours.map((h) => h.runs));
  const slot = width / Math.max(1, hours.length);
  const room = height - 1;
  const scale = (n: number) => (n === 0 ? 0 : Math.max(1.5, (n / busiest) * room));
  const summary = `Last ${hours.length} hours: ${runs} run${runs === 1 ? '' : 's'}, ${failed} failed`;
  return (
    <svg
      className="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={summary}
      data-testid="sparkline"
    >
      <title>{summary}</title>
      <line className="sparkline-base" x1={0} x2={width} y1={height - 0.5} y2={height - 0.5} />
      {hours.map((h, i) => {
        const total = scale(h.runs);
        const bad = Math.min(total, scale(h.failed));
        const x = i * slot + 0.5;
        const w = Math.max(1, slot - 1);
        return (
          <g key={h.start} data-runs={h.runs} data-failed={h.failed}>
            <title>{`${hourOf(h.start)}: ${h.runs} run${h.runs === 1 ? '' : 's'}, ${h.failed} failed`}</title>
            {total > bad && <rect className="sparkline-ok" x={x} y={height - total} width={w} height={total - bad} />}
            {bad > 0 && <rect className="sparkline-failed" x={x} y={height - bad} width={w} height={bad} />}
            {/* An empty hour still answers to the pointer. */}
            {total === 0 && <rect className="sparkline-gap" x={x} y={0} width={w} height={height} />}
          </g>
        );
      })}
    </svg>
  );
}
