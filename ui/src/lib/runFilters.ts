/**
 * The run log's filters (M7.1) as they live in the address: `#/runs?flow=…&
 * status=failed&since=2h`, so a link reproduces what the page lists. The
 * times are passed to the core as typed; it reads RFC 3339 times, dates
 * (local midnight) and ages (`90s`, `15m`, `2h`, `7d`, `2w`) and refuses
 * anything else with a message that names it.
 */
import type { ExecutionStatus } from '../bindings/ExecutionStatus';
import type { ListExecutionsArgs } from '../bindings/ListExecutionsArgs';
import type { TriggerSource } from '../bindings/TriggerSource';

export interface RunFilters {
  flow?: string;
  status?: ExecutionStatus;
  trigger?: TriggerSource;
  since?: string;
  until?: string;
  /** The beginning of an execution id, `exe_` optional (a Pydio Cells TaskID is one). */
  search?: string;
}

export const STATUSES: readonly ExecutionStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export const TRIGGERS: readonly TriggerSource[] = ['webhook', 'manual', 'schedule', 'event'];

/** The order the filters take in a URL, so one set of filters has one address. */
const FIELDS = ['flow', 'status', 'trigger', 'since', 'until', 'search'] as const;

/** Reads the filters from a query string; values the core would not know are left out. */
export function parseRunFilters(query: URLSearchParams): RunFilters {
  const filters: RunFilters = {};
  const text = (name: string) => query.get(name)?.trim() || undefined;
  const flow = text('flow');
  if (flow) filters.flow = flow;
  const status = STATUSES.find((s) => s === query.get('status'));
  if (status) filters.status = status;
  const trigger = TRIGGERS.find((t) => t === query.get('trigger'));
  if (trigger) filters.trigger = trigger;
  const since = text('since');
  if (since) filters.since = since;
  const until = text('until');
  if (until) filters.until = until;
  const search = text('search');
  if (search) filters.search = search;
  return filters;
}

/** The query string of `filters` (without `?`), empty when nothing is filtered. */
export function runFiltersQuery(filters: RunFilters): string {
  const query = new URLSearchParams();
  for (const field of FIELDS) {
    const value = filters[field]?.trim();
    if (value) query.set(field, value);
  }
  return query.toString();
}

/** `filters` without the empty ones, so equal filters compare equal. */
export function cleanFilters(filters: RunFilters): RunFilters {
  return parseRunFilters(new URLSearchParams(runFiltersQuery(filters)));
}

/** The arguments of `listExecutions` for one page of the filtered log. */
export function listArgs(filters: RunFilters, before: string | null, limit: number): ListExecutionsArgs {
  return { ...cleanFilters(filters), ...(before ? { before } : {}), limit };
}

/** Today's date on this machine's clock (`2026-12-04`): the core reads it as local midnight. */
export function localDate(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export interface TimeRange {
  id: string;
  label: string;
  /** The `since` it stands for, worked out when it is chosen. */
  since: () => string;
}

/** The quick choices beside a typed time. */
export const TIME_RANGES: readonly TimeRange[] = [
  { id: 'hour', label: 'Last hour', since: () => '1h' },
  { id: 'today', label: 'Today', since: () => localDate() },
  { id: 'day', label: 'Last 24 hours', since: () => '24h' },
  { id: 'week', label: 'Last 7 days', since: () => '7d' },
];

/** Which quick choice the filters amount to: `any`, a range's id, or `custom` for typed times. */
export function timeRangeOf(filters: RunFilters): string {
  if (!filters.since && !filters.until) return 'any';
  if (filters.until) return 'custom';
  return TIME_RANGES.find((range) => range.since() === filters.since)?.id ?? 'custom';
}

export function hasFilters(filters: RunFilters): boolean {
  return runFiltersQuery(filters) !== '';
}
