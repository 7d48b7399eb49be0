/**
 * Persisted entities through TanStack Query. Nothing polls: core events
 * invalidate exactly the answers the core says they make stale
 * ({@link invalidateFor} reads the generated `staleAfter` table).
 *
 * Every query key starts with the operation that answers it, then the ids it
 * was asked for in a fixed order (flow, then step; or execution), which is
 * what lets an event narrow its invalidation to one flow or step.
 */
import { keepPreviousData, useInfiniteQuery, useQuery, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';

import { staleAfter, type Operation, type StaleBy } from '../bindings/Operations';
import type { CoreEvent } from '../platform/types';
import type { JsonValue } from '../bindings/serde_json/JsonValue';
import { useApi } from './apiContext';
import { findFailureSample, type FlowNames } from './errorHandler';
import { listArgs, runFiltersQuery, type RunFilters } from './runFilters';

export const keys = {
  components: ['components'] as const,
  flows: ['listFlows'] as const,
  flow: (id: string) => ['getFlow', id] as const,
  versions: (id: string) => ['versions', id] as const,
  version: (id: string, version: number) => ['version', id, version] as const,
  executions: (flowId: string | null) => ['listExecutions', flowId ?? '*'] as const,
  inbox: (flowId: string) => ['listInbox', flowId] as const,
  executionsAll: ['listExecutions'] as const,
  /** The run log's pages for one set of filters. */
  runLog: (filters: RunFilters) => ['listExecutions', filters.flow ?? '*', 'log', runFiltersQuery(filters)] as const,
  dashboard: ['dashboard'] as const,
  execution: (id: string) => ['getExecution', id] as const,
  /** The sample failure to run a flow with as its error handler would run. */
  failureSample: (flowId: string) => ['listExecutions', '*', 'failureSample', flowId] as const,
  credentials: ['listCredentials'] as const,
  vaultStatus: ['vaultStatus'] as const,
  credentialKinds: ['credentialKinds'] as const,
  hooks: (id: string) => ['hooks', id] as const,
  hooksAll: ['hooks'] as const,
  flowToken: (id: string) => ['flowToken', id] as const,
  settings: ['settings'] as const,
  storage: ['storageStatus'] as const,
  samples: (flowId: string, stepId: string) => ['listSamples', flowId, stepId] as const,
  samplesOfFlow: (flowId: string) => ['listSamples', flowId] as const,
  schema: (flowId: string, stepId: string) => ['inferSchema', flowId, stepId] as const,
  schemasOfFlow: (flowId: string) => ['inferSchema', flowId] as const,
  previewsOfFlow: (flowId: string) => ['previewStep', flowId] as const,
  schedulePreview: (configJson: string) => ['previewSchedule', configJson] as const,
  buttons: ['listButtons'] as const,
  buttonFolder: (flowId: string, path: string | null) => ['listButtonFolder', flowId, path ?? ''] as const,
} satisfies Record<
  string,
  readonly [Operation, ...unknown[]] | ((...ids: never[]) => readonly [Operation, ...unknown[]])
>;

/** The key prefix of `op`'s answers that `event` narrows to by `by`. */
function staleKey(op: Operation, by: StaleBy, event: CoreEvent): readonly unknown[] {
  if (by === 'all' || event.type === 'listenerChanged' || event.type === 'credentialChanged') return [op];
  if (by === 'execution') return event.type === 'executionChanged' ? [op, event.executionId] : [op];
  if (by === 'step' && event.type === 'sampleChanged') return [op, event.flowId, event.stepId];
  return [op, event.flowId];
}

/** Invalidates what one core event makes stale, as the core declares it. */
export function invalidateFor(client: QueryClient, event: CoreEvent): void {
  for (const { op, by } of staleAfter[event.type]) {
    void client.invalidateQueries({ queryKey: staleKey(op, by, event) });
  }
}

/** Subscribes to core events for the lifetime of the app. */
export function useCoreEvents(client: QueryClient): void {
  const api = useApi();
  useEffect(
    () =>
      api.platform.subscribe(
        (event) => invalidateFor(client, event),
        () => void client.invalidateQueries(),
      ),
    [api, client],
  );
}

export function useComponents() {
  const api = useApi();
  return useQuery({ queryKey: keys.components, queryFn: api.components, staleTime: Infinity });
}

export function useFlows() {
  const api = useApi();
  return useQuery({ queryKey: keys.flows, queryFn: api.listFlows });
}

export function useFlow(id: string, enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: keys.flow(id), queryFn: () => api.getFlow(id), enabled });
}

export function useVersions(id: string, enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: keys.versions(id), queryFn: () => api.versions(id), enabled });
}

export function useVersionDocument(id: string, version: number | null) {
  const api = useApi();
  return useQuery({
    queryKey: keys.version(id, version ?? 0),
    queryFn: () => api.version(id, version!),
    enabled: version !== null,
    staleTime: Infinity,
  });
}

/** Requests that reached the flow's hook, newest first. */
export function useInbox(flowId: string, limit = 20) {
  const api = useApi();
  return useQuery({ queryKey: [...keys.inbox(flowId), limit], queryFn: () => api.listInbox(flowId, limit) });
}

export function useExecutions(flowId: string | null, limit = 25) {
  const api = useApi();
  return useQuery({
    queryKey: [...keys.executions(flowId), limit],
    queryFn: () => api.listExecutions(flowId ? { flow: flowId, limit } : { limit }),
  });
}

/** Executions per page of the run log; a full page may have more behind it. */
export const RUN_LOG_PAGE = 50;

/**
 * The filtered run log, a page at a time: each next page starts after the
 * last execution of the one before (`before`), so pages continue where they
 * ended even while new executions arrive. Execution events refetch every
 * loaded page.
 */
export function useRunLog(filters: RunFilters) {
  const api = useApi();
  return useInfiniteQuery({
    queryKey: keys.runLog(filters),
    queryFn: ({ pageParam }) => api.listExecutions(listArgs(filters, pageParam, RUN_LOG_PAGE)),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => (page.length === RUN_LOG_PAGE ? page[page.length - 1]!.id : null),
    // The rows on screen stay while other filters are asked for.
    placeholderData: keepPreviousData,
    // A time the core cannot read is refused at once; asking again changes nothing.
    retry: false,
  });
}

/** Per flow: live state, today's runs and failures, the last run, the next fire and the last 24 hours. */
export function useDashboard() {
  const api = useApi();
  return useQuery({ queryKey: keys.dashboard, queryFn: api.dashboard });
}

export function useExecution(id: string | null) {
  const api = useApi();
  return useQuery({ queryKey: keys.execution(id ?? ''), queryFn: () => api.getExecution(id!), enabled: id !== null });
}

/**
 * A failure to run the flow with as its error handler would run: the newest
 * failed execution of a flow whose draft names it, else a made-up example.
 * Looked for afresh each time it is asked for (nothing is kept once unused).
 */
export function useFailureSample(flow: FlowNames) {
  const api = useApi();
  return useQuery({
    queryKey: keys.failureSample(flow.id),
    queryFn: () => findFailureSample(api, flow),
    gcTime: 0,
    retry: false,
  });
}

export function useCredentials(enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: keys.credentials, queryFn: api.listCredentials, enabled, retry: false });
}

/** Where the vault's data key comes from and whether credentials can be used. */
export function useVaultStatus() {
  const api = useApi();
  return useQuery({ queryKey: keys.vaultStatus, queryFn: api.vaultStatus, retry: false });
}

/** The credential kinds and their fields; fixed for a build of the core. */
export function useCredentialKinds() {
  const api = useApi();
  return useQuery({ queryKey: keys.credentialKinds, queryFn: api.credentialKinds, staleTime: Infinity });
}

export function useHooks(flowId: string, enabled: boolean) {
  const api = useApi();
  return useQuery({ queryKey: keys.hooks(flowId), queryFn: () => api.hooks(flowId), enabled, retry: false });
}

/** Whether the flow has a token for Boomerang Flow's route; the token itself is never answered again. */
export function useFlowToken(flowId: string, enabled: boolean) {
  const api = useApi();
  return useQuery({ queryKey: keys.flowToken(flowId), queryFn: () => api.flowToken(flowId), enabled, retry: false });
}

export function useSettings(enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: keys.settings, queryFn: api.settings, enabled });
}

/**
 * What the database holds. Not refreshed by execution events: counting a
 * large run log on every execution would cost more than it shows.
 */
export function useStorageStatus() {
  const api = useApi();
  return useQuery({ queryKey: keys.storage, queryFn: api.storageStatus });
}

/** A step's samples, newest first. */
export function useSamples(flowId: string, stepId: string, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: keys.samples(flowId, stepId),
    queryFn: () => api.listSamples(flowId, stepId),
    enabled,
    retry: false,
  });
}

/** The schema inferred from all of a step's samples. */
export function useInferredSchema(flowId: string, stepId: string, enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: keys.schema(flowId, stepId),
    queryFn: () => api.inferSchema(flowId, stepId),
    enabled,
    retry: false,
  });
}

/** How long the schedule preview waits after the last keystroke, so typing a cron field asks the core once. */
export const SCHEDULE_PREVIEW_DELAY_MS = 300;

/**
 * The next fires of a Schedule trigger's config as it is typed: asked a
 * moment after the config stops changing, the last answer kept on screen
 * while the next is on its way. An invalid config is an error whose message
 * is the core's, so the designer and the scheduler never disagree on cron.
 */
export function useSchedulePreview(config: JsonValue | null | undefined, enabled = true) {
  const api = useApi();
  const json = JSON.stringify(config ?? {});
  const [settled, setSettled] = useState(json);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(json), SCHEDULE_PREVIEW_DELAY_MS);
    return () => clearTimeout(timer);
  }, [json]);
  return useQuery({
    queryKey: keys.schedulePreview(settled),
    queryFn: () => api.previewSchedule(JSON.parse(settled) as JsonValue),
    placeholderData: keepPreviousData,
    // Only a config that stopped changing is asked about; meanwhile the last answer stays.
    enabled: enabled && settled === json,
    retry: false,
    // The fires move on with the clock; a cached answer is fine for a minute of typing.
    staleTime: 60_000,
  });
}

/** The Buttons of started flows, refreshed when a flow changes. */
export function useButtons() {
  const api = useApi();
  return useQuery({ queryKey: keys.buttons, queryFn: api.listButtons });
}

/** A folder of a Button's path picker; `path: null` lists the hook's allowed folders. */
export function useButtonFolder(flowId: string, path: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: keys.buttonFolder(flowId, path),
    queryFn: () => api.listButtonFolder(flowId, path),
    retry: false,
    // The files change outside Hookline: each visit reads the folder again.
    staleTime: 0,
  });
}
