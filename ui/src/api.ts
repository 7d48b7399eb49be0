/**
 * The typed client of the core's operations. Every method is one
 * `platform.call(op, args)`; the types come from the Rust bindings.
 */
import type { ComponentDescriptor } from './bindings/ComponentDescriptor';
import type { CredentialView } from './bindings/CredentialView';
import type { Execution } from './bindings/Execution';
import type { InboxView } from './bindings/InboxView';
import type { ExecutionSummary } from './bindings/ExecutionSummary';
import type { ExpressionCheck } from './bindings/ExpressionCheck';
import type { FlowDocument } from './bindings/FlowDocument';
import type { FlowRecord } from './bindings/FlowRecord';
import type { FlowSummary } from './bindings/FlowSummary';
import type { HookInfo } from './bindings/HookInfo';
import type { ListExecutionsArgs } from './bindings/ListExecutionsArgs';
import type { ListenerState } from './bindings/ListenerState';
import type { FieldPreview } from './bindings/FieldPreview';
import type { Sample } from './bindings/Sample';
import type { SampleSource } from './bindings/SampleSource';
import type { StepPreview } from './bindings/StepPreview';
import type { Problem } from './bindings/Problem';
import type { SavedFlow } from './bindings/SavedFlow';
import type { Settings } from './bindings/Settings';
import type { VersionInfo } from './bindings/VersionInfo';
import type { JsonValue } from './bindings/serde_json/JsonValue';
import type { Platform } from './platform/types';

export interface RunOptions {
  input?: JsonValue;
  /** Run the stored draft instead of the latest published version. */
  draft?: boolean;
  /** Answer `confirmation_required` instead of running when a step would change something outside Hookline. */
  askFirst?: boolean;
}

export type ExecutionQuery = ListExecutionsArgs;

/** Where a generated sample comes from: the component's schema, a past execution, or an inbox request. */
export type GenerateFrom = { kind: 'schema' } | { kind: 'execution'; id: string } | { kind: 'inbox'; id: string };

export interface PreviewOptions {
  /** Index into the trigger's samples (newest first); the current sample when absent. */
  sample?: number | null;
  /** The unsaved draft to preview instead of the stored one. */
  document?: FlowDocument;
}

export interface RetrieveOptions {
  /** The step has side effects and the user agreed to run it. */
  confirm: boolean;
  /** Keep the step's stored output (last execution or example) instead of running it. */
  useStored?: boolean;
}

export type Api = ReturnType<typeof createApi>;

export function createApi(platform: Platform) {
  const call = <T>(op: string, args?: Record<string, unknown>) => platform.call<T>(op, args);
  return {
    platform,
    components: () => call<ComponentDescriptor[]>('components'),
    listFlows: () => call<FlowSummary[]>('listFlows'),
    getFlow: (flow: string) => call<FlowRecord>('getFlow', { flow }),
    createFlow: (name: string) => call<SavedFlow>('createFlow', { name }),
    saveDraft: (document: FlowDocument) => call<SavedFlow>('saveDraft', { document }),
    renameFlow: (flow: string, name: string, description?: string) =>
      call<SavedFlow>('renameFlow', description === undefined ? { flow, name } : { flow, name, description }),
    duplicateFlow: (flow: string) => call<SavedFlow>('duplicateFlow', { flow }),
    deleteFlow: (flow: string) => call<null>('deleteFlow', { flow }),
    importFlow: (text: string) => call<SavedFlow>('importFlow', { text }),
    exportFlow: (flow: string) => call<string>('exportFlow', { flow }),
    validateFlow: (flow: string) => call<Problem[]>('validateFlow', { flow }),
    publish: (flow: string) => call<VersionInfo>('publish', { flow }),
    start: (flow: string) => call<FlowSummary>('start', { flow }),
    stop: (flow: string) => call<FlowSummary>('stop', { flow }),
    versions: (flow: string) => call<VersionInfo[]>('versions', { flow }),
    version: (flow: string, version: number) => call<FlowDocument>('version', { flow, version }),
    restoreVersion: (flow: string, version: number) => call<SavedFlow>('restoreVersion', { flow, version }),
    runFlow: (flow: string, options: RunOptions = {}) => call<Execution>('runFlow', { flow, ...options }),
    listExecutions: (query: ExecutionQuery = {}) =>
      call<ExecutionSummary[]>('listExecutions', query as Record<string, unknown>),
    getExecution: (id: string) => call<Execution>('getExecution', { id }),
    listCredentials: () => call<CredentialView[]>('listCredentials'),
    checkExpression: (expr: string) => call<ExpressionCheck>('checkExpression', { expr }),
    hooks: (flow: string) => call<HookInfo>('hooks', { flow }),
    listSamples: (flow: string, step: string) => call<Sample[]>('listSamples', { flow, step }),
    addSample: (flow: string, step: string, value: JsonValue) => call<Sample>('addSample', { flow, step, value, source: 'manual' }),
    setCurrentSample: (flow: string, step: string, sample: string) => call<Sample>('setCurrentSample', { flow, step, sample }),
    removeSample: (flow: string, step: string, sample: string) => call<Sample | null>('removeSample', { flow, step, sample }),
    listInbox: (flow: string, limit = 50) => call<InboxView[]>('listInbox', { flow, limit }),
    generateSample: (flow: string, step: string, from: GenerateFrom) => call<Sample>('generateSample', { flow, step, from }),
    previewStep: (flow: string, step: string, options: PreviewOptions = {}) =>
      call<StepPreview>('previewStep', {
        flow,
        step,
        ...(options.sample !== undefined && options.sample !== null ? { sample: options.sample } : {}),
        ...(options.document ? { document: options.document } : {}),
      }),
    inferSchema: (flow: string, step: string) => call<JsonValue>('inferSchema', { flow, step }),
    retrieveSample: (flow: string, step: string, options: RetrieveOptions) =>
      call<Sample>('retrieveSample', { flow, step, confirm: options.confirm, ...(options.useStored ? { useStored: true } : {}) }),
    /** Waits for the next request to the flow's test URL; it becomes the trigger's sample. */
    captureSample: (flow: string, timeoutMs: number) => call<Sample>('captureSample', { flow, timeoutMs }),
    cancelCapture: (flow: string) => call<boolean>('cancelCapture', { flow }),
    postmanCollection: (flow: string) => call<JsonValue>('postmanCollection', { flow }),
    openApi: () => call<JsonValue>('openApi'),
    settings: () => call<Settings>('settings'),
    setListenAddress: (address: string) => call<Settings>('setListenAddress', { address }),
  };
}

export type {
  ComponentDescriptor,
  ExpressionCheck,
  HookInfo,
  ListenerState,
  Settings,
  CredentialView,
  Execution,
  ExecutionSummary,
  FlowDocument,
  FlowRecord,
  FlowSummary,
  JsonValue,
  Problem,
  FieldPreview,
  Sample,
  SampleSource,
  StepPreview,
  SavedFlow,
  VersionInfo,
};
