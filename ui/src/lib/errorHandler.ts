/**
 * Error handlers as the designer sees them: which flow a flow's
 * `errorHandler` names (by id or slug, as the core looks it up), the failure
 * a handler starts with (`{execution, failedStep, error}`, built as the core
 * builds it), and a sample of it to run a handler by hand.
 */
import type { Api } from '../api';
import type { Execution } from '../bindings/Execution';
import type { ExecutionSummary } from '../bindings/ExecutionSummary';
import type { FlowSummary } from '../bindings/FlowSummary';
import type { JsonValue } from '../bindings/serde_json/JsonValue';

/** What names a flow: its id, its draft's slug or its live slug. */
export type FlowNames = Pick<FlowSummary, 'id' | 'slug' | 'liveSlug'>;

/**
 * The flow `key` names, looked up as the core does: by id first, then the
 * draft's slug, then the live slug.
 */
export function findHandler<F extends FlowNames>(flows: readonly F[], key: string): F | undefined {
  return flows.find((f) => f.id === key) ?? flows.find((f) => f.slug === key) ?? flows.find((f) => f.liveSlug === key);
}

/** Whether `key` (an `errorHandler`) names `flow`. */
export function namesFlow(key: string | undefined, flow: FlowNames): boolean {
  return key !== undefined && key !== '' && (key === flow.id || key === flow.slug || key === flow.liveSlug);
}

/**
 * The trigger output an error handler starts with when `execution` of the
 * flow `flowName` failed: the same object the core's `failure_output` gives.
 */
export function failureOf(execution: Execution, flowName: string): JsonValue {
  const id = execution.failedStep;
  const run = id === null ? undefined : [...execution.steps].reverse().find((s) => s.stepId === id);
  return {
    execution: {
      id: execution.id,
      flowId: execution.flowId,
      flowName,
      version: execution.version,
      trigger: execution.trigger,
      createdAt: execution.createdAt,
      finishedAt: execution.finishedAt,
      input: execution.input,
      params: execution.params,
    },
    failedStep: run
      ? {
          id: run.stepId,
          name: run.name,
          component: run.component,
          input: run.input,
          attempts: Math.max(run.attempts?.length ?? 0, 1),
        }
      : null,
    error: execution.error,
  };
}

/** A made-up failure of the shape a handler starts with, for when no real one is at hand. */
export function exampleFailure(now = new Date()): JsonValue {
  const finishedAt = now.toISOString();
  const createdAt = new Date(now.getTime() - 2_400).toISOString();
  const order = { id: 1042, customer: 'ada@example.com', total: 59.9 };
  return {
    execution: {
      id: 'exe_example',
      flowId: 'flw_example',
      flowName: 'Example flow',
      version: 1,
      trigger: 'webhook',
      createdAt,
      finishedAt,
      input: {
        method: 'POST',
        path: '/hook/orders',
        headers: { 'content-type': 'application/json' },
        query: {},
        body: order,
      },
      params: {},
    },
    failedStep: {
      id: 'stp_create_order',
      name: 'Create order',
      component: 'http_request',
      input: { method: 'POST', url: 'https://api.example.com/orders', body: order },
      attempts: 3,
    },
    error: 'HTTP 503 from https://api.example.com/orders',
  };
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What keeps `value` from being a failure a handler could start with, or
 * null when it has the shape: `execution` with an `id`, `failedStep` (an
 * object or null) and `error`.
 */
export function failureProblem(value: JsonValue): string | null {
  if (!isObject(value)) return 'A failure is an object: {"execution": …, "failedStep": …, "error": …}';
  const execution = value.execution;
  if (!isObject(execution)) return '"execution" must be an object describing the failed execution';
  if (typeof execution.id !== 'string') return '"execution.id" must be the failed execution\'s id (a string)';
  if (!('failedStep' in value)) return '"failedStep" is missing: the step that failed, or null';
  if (value.failedStep !== null && !isObject(value.failedStep)) return '"failedStep" must be an object or null';
  if (!('error' in value)) return '"error" is missing: why the execution failed';
  if (typeof value.error !== 'string' && value.error !== null) return '"error" must be a string';
  return null;
}

/** Where a sample failure came from. */
export interface FailureSample {
  failure: JsonValue;
  /** The failed execution it was taken from; null for the made-up example. */
  from: { executionId: string; flowId: string; flowName: string; createdAt: string } | null;
  /** The flows whose draft names this one as their error handler. */
  handles: { id: string; name: string }[];
}

/**
 * A failure to run the flow `self` with as its error handler would run: the
 * newest failed execution of the flows whose draft names it, else a made-up
 * example. A flow that cannot be read is passed over.
 */
export async function findFailureSample(api: Api, self: FlowNames, now = new Date()): Promise<FailureSample> {
  const flows = await api.listFlows();
  const records = await Promise.allSettled(flows.map((f) => api.getFlow(f.id)));
  const handles = records.flatMap((r) =>
    r.status === 'fulfilled' && namesFlow(r.value.draft.errorHandler, self)
      ? [{ id: r.value.id, name: r.value.draft.name || r.value.name }]
      : [],
  );
  const failed = await Promise.allSettled(
    handles.map((h) => api.listExecutions({ flow: h.id, status: 'failed', limit: 1 })),
  );
  const newest = failed
    .flatMap((r) => (r.status === 'fulfilled' ? r.value.slice(0, 1) : []))
    .reduce<ExecutionSummary | null>((best, e) => (best === null || e.createdAt > best.createdAt ? e : best), null);
  if (newest === null) return { failure: exampleFailure(now), from: null, handles };
  const execution = await api.getExecution(newest.id);
  const flowName = handles.find((h) => h.id === execution.flowId)?.name ?? execution.flowId;
  return {
    failure: failureOf(execution, flowName),
    from: { executionId: execution.id, flowId: execution.flowId, flowName, createdAt: execution.createdAt },
    handles,
  };
}
