/**
 * Persisted entities through TanStack Query. Nothing polls: core events
 * invalidate exactly the queries they concern (see {@link invalidateFor}).
 */
import { useQuery, type QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

import type { ExecutionStatus } from '../bindings/ExecutionStatus';
import type { CoreEvent } from '../platform/types';
import { useApi } from './apiContext';

export const keys = {
  components: ['components'] as const,
  flows: ['flows'] as const,
  flow: (id: string) => ['flow', id] as const,
  versions: (id: string) => ['versions', id] as const,
  version: (id: string, version: number) => ['version', id, version] as const,
  executions: (flowId: string | null) => ['executions', flowId ?? '*'] as const,
  inbox: (flowId: string) => ['inbox', flowId] as const,
  executionsAll: ['executions'] as const,
  execution: (id: string) => ['execution', id] as const,
  credentials: ['credentials'] as const,
  hooks: (id: string) => ['hooks', id] as const,
  hooksAll: ['hooks'] as const,
  settings: ['settings'] as const,
  samples: (flowId: string, stepId: string) => ['samples', flowId, stepId] as const,
  samplesOfFlow: (flowId: string) => ['samples', flowId] as const,
  schema: (flowId: string, stepId: string) => ['schema', flowId, stepId] as const,
  schemasOfFlow: (flowId: string) => ['schema', flowId] as const,
  previewsOfFlow: (flowId: string) => ['preview', flowId] as const,
};

const TERMINAL: ExecutionStatus[] = ['succeeded', 'failed', 'cancelled'];

/** Invalidates what one core event makes stale. */
export function invalidateFor(client: QueryClient, event: CoreEvent): void {
  switch (event.type) {
    case 'flowChanged':
      void client.invalidateQueries({ queryKey: keys.flows });
      void client.invalidateQueries({ queryKey: keys.flow(event.flowId) });
      void client.invalidateQueries({ queryKey: keys.versions(event.flowId) });
      void client.invalidateQueries({ queryKey: keys.hooks(event.flowId) });
      void client.invalidateQueries({ queryKey: keys.samplesOfFlow(event.flowId) });
      void client.invalidateQueries({ queryKey: keys.schemasOfFlow(event.flowId) });
      void client.invalidateQueries({ queryKey: keys.previewsOfFlow(event.flowId) });
      break;
    case 'executionChanged':
      void client.invalidateQueries({ queryKey: keys.executionsAll });
      void client.invalidateQueries({ queryKey: ['inbox'] });
      void client.invalidateQueries({ queryKey: keys.execution(event.executionId) });
      if (TERMINAL.includes(event.status)) {
        void client.invalidateQueries({ queryKey: keys.flows });
        void client.invalidateQueries({ queryKey: keys.flow(event.flowId) });
      }
      break;
    case 'listenerChanged':
      void client.invalidateQueries({ queryKey: keys.settings });
      void client.invalidateQueries({ queryKey: keys.hooksAll });
      break;
    case 'sampleChanged':
      // Samples live apart from the draft: the flow itself did not change.
      void client.invalidateQueries({ queryKey: keys.samples(event.flowId, event.stepId) });
      void client.invalidateQueries({ queryKey: keys.schemasOfFlow(event.flowId) });
      void client.invalidateQueries({ queryKey: keys.previewsOfFlow(event.flowId) });
      void client.invalidateQueries({ queryKey: keys.hooks(event.flowId) });
      break;
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

export function useFlow(id: string) {
  const api = useApi();
  return useQuery({ queryKey: keys.flow(id), queryFn: () => api.getFlow(id) });
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

export function useExecution(id: string | null) {
  const api = useApi();
  return useQuery({ queryKey: keys.execution(id ?? ''), queryFn: () => api.getExecution(id!), enabled: id !== null });
}

export function useCredentials(enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: keys.credentials, queryFn: api.listCredentials, enabled, retry: false });
}

export function useHooks(flowId: string, enabled: boolean) {
  const api = useApi();
  return useQuery({ queryKey: keys.hooks(flowId), queryFn: () => api.hooks(flowId), enabled, retry: false });
}

export function useSettings() {
  const api = useApi();
  return useQuery({ queryKey: keys.settings, queryFn: api.settings });
}

/** A step's samples, newest first. */
export function useSamples(flowId: string, stepId: string, enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: keys.samples(flowId, stepId), queryFn: () => api.listSamples(flowId, stepId), enabled, retry: false });
}

/** The schema inferred from all of a step's samples. */
export function useInferredSchema(flowId: string, stepId: string, enabled = true) {
  const api = useApi();
  return useQuery({ queryKey: keys.schema(flowId, stepId), queryFn: () => api.inferSchema(flowId, stepId), enabled, retry: false });
}
