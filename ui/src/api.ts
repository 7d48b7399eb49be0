/**
 * The typed client of the core's operations. Every method is one
 * `platform.call(op, args)`; the operation names, their arguments and their
 * answers are typed by `bindings/Operations.ts`, which `cargo test` generates
 * from the core's dispatch table, so this file cannot drift from the core.
 */
import type { ComponentDescriptor } from './bindings/ComponentDescriptor';
import type { CreateCredentialArgs } from './bindings/CreateCredentialArgs';
import type { CredentialFieldSchema } from './bindings/CredentialFieldSchema';
import type { CredentialKindSchema } from './bindings/CredentialKindSchema';
import type { CredentialView } from './bindings/CredentialView';
import type { EditCredentialArgs } from './bindings/EditCredentialArgs';
import type { Execution } from './bindings/Execution';
import type { ExecutionSummary } from './bindings/ExecutionSummary';
import type { ExpressionCheck } from './bindings/ExpressionCheck';
import type { FieldPreview } from './bindings/FieldPreview';
import type { FlowActivity } from './bindings/FlowActivity';
import type { FlowDocument } from './bindings/FlowDocument';
import type { FlowRecord } from './bindings/FlowRecord';
import type { FlowSummary } from './bindings/FlowSummary';
import type { HookInfo } from './bindings/HookInfo';
import type { HourActivity } from './bindings/HourActivity';
import type { InboxView } from './bindings/InboxView';
import type { ListenerState } from './bindings/ListenerState';
import type { ListExecutionsArgs } from './bindings/ListExecutionsArgs';
import type { ArgsOf, Operation, Responses } from './bindings/Operations';
import type { Problem } from './bindings/Problem';
import type { ReplayArgs } from './bindings/ReplayArgs';
import type { RunFlowArgs } from './bindings/RunFlowArgs';
import type { Sample } from './bindings/Sample';
import type { SampleFrom } from './bindings/SampleFrom';
import type { SampleSource } from './bindings/SampleSource';
import type { SavedFlow } from './bindings/SavedFlow';
import type { Settings } from './bindings/Settings';
import type { StepPreview } from './bindings/StepPreview';
import type { VaultStatus } from './bindings/VaultStatus';
import type { Verification } from './bindings/Verification';
import type { VersionInfo } from './bindings/VersionInfo';
import type { JsonValue } from './bindings/serde_json/JsonValue';
import type { Platform } from './platform/types';

/** How Run once runs: `input` as the trigger's output, the draft, or asking before side effects. */
export type RunOptions = Omit<RunFlowArgs, 'flow'>;

export type ExecutionQuery = ListExecutionsArgs;

/** Where a generated sample comes from: the component's schema, a past execution, or an inbox request. */
export type GenerateFrom = SampleFrom;

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

/** The arguments `call` takes after the operation's name: none, or the operation's own. */
type CallArgs<Op extends Operation> = ArgsOf<Op> extends undefined ? [] : [args: ArgsOf<Op>];

/**
 * Runs one operation through `platform`, its arguments checked and its
 * answer typed by the generated contract.
 */
export function createCall(platform: Platform) {
  return <Op extends Operation>(op: Op, ...args: CallArgs<Op>): Promise<Responses[Op]> =>
    platform.call<Responses[Op]>(op, args[0] as Record<string, unknown> | undefined);
}

export type Api = ReturnType<typeof createApi>;

export function createApi(platform: Platform) {
  const call = createCall(platform);
  return {
    platform,
    components: () => call('components'),
    listFlows: () => call('listFlows'),
    getFlow: (flow: string) => call('getFlow', { flow }),
    createFlow: (name: string) => call('createFlow', { name }),
    saveDraft: (document: FlowDocument) => call('saveDraft', { document }),
    renameFlow: (flow: string, name: string, description?: string) =>
      call('renameFlow', description === undefined ? { flow, name } : { flow, name, description }),
    duplicateFlow: (flow: string) => call('duplicateFlow', { flow }),
    deleteFlow: (flow: string) => call('deleteFlow', { flow }),
    importFlow: (text: string) => call('importFlow', { text }),
    exportFlow: (flow: string) => call('exportFlow', { flow }),
    validateFlow: (flow: string) => call('validateFlow', { flow }),
    publish: (flow: string) => call('publish', { flow }),
    start: (flow: string) => call('start', { flow }),
    stop: (flow: string) => call('stop', { flow }),
    versions: (flow: string) => call('versions', { flow }),
    version: (flow: string, version: number) => call('version', { flow, version }),
    restoreVersion: (flow: string, version: number) => call('restoreVersion', { flow, version }),
    runFlow: (flow: string, options: RunOptions = {}) => call('runFlow', { flow, ...options }),
    listExecutions: (query: ExecutionQuery = {}) => call('listExecutions', query),
    getExecution: (id: string) => call('getExecution', { id }),
    /**
     * Runs an execution again as a new one (its `replayOf` names the
     * original) and answers it once it has ended; what cannot be honoured is
     * refused with a message that says why.
     */
    replayExecution: (args: ReplayArgs) => call('replayExecution', args),
    /** Runs a request the hook received (accepted or refused) as a new execution. */
    replayInbox: (id: string) => call('replayInbox', { id }),
    /** Per flow: live state, today's runs and failures, the last run, the next fire and the last 24 hours. */
    dashboard: () => call('dashboard'),
    listCredentials: () => call('listCredentials'),
    getCredential: (name: string) => call('getCredential', { name }),
    /** Adds a credential; its secrets are write-only and come back masked. */
    createCredential: (args: CreateCredentialArgs) => call('createCredential', args),
    /** Replaces a credential's fields; a secret left out keeps its stored value. */
    editCredential: (args: EditCredentialArgs) => call('editCredential', args),
    /** Checks a credential against its service (within 30 s); a failed check is an answer with `ok: false`. */
    verifyCredential: (name: string) => call('verifyCredential', { name }),
    /** Stops waiting for a check; the check records nothing. */
    cancelVerification: (name: string) => call('cancelVerification', { name }),
    /** Removes a credential; one that flows name needs `force`. Answers the flows that named it. */
    removeCredential: (name: string, force = false) =>
      call('removeCredential', force ? { name, force: true } : { name }),
    /** Where the vault's data key comes from, and whether the vault is usable. */
    vaultStatus: () => call('vaultStatus'),
    /** Every credential kind with its fields, to build forms from. */
    credentialKinds: () => call('credentialKinds'),
    /** The data key as a phrase, answered once per key and only when confirmed. */
    recoveryKit: () => call('recoveryKit', { confirm: true }),
    /** Makes a key file for the data key where no keychain answers. */
    createKeyFile: () => call('createKeyFile'),
    /** The database's size, rows per kind and the last prune. */
    storageStatus: () => call('storageStatus'),
    /** Prunes now what retention no longer keeps and gives the room back. */
    pruneStorage: () => call('pruneStorage'),
    checkExpression: (expr: string) => call('checkExpression', { expr }),
    hooks: (flow: string) => call('hooks', { flow }),
    listSamples: (flow: string, step: string) => call('listSamples', { flow, step }),
    addSample: (flow: string, step: string, value: JsonValue) =>
      call('addSample', { flow, step, value, source: 'manual' }),
    setCurrentSample: (flow: string, step: string, sample: string) => call('setCurrentSample', { flow, step, sample }),
    removeSample: (flow: string, step: string, sample: string) => call('removeSample', { flow, step, sample }),
    listInbox: (flow: string, limit = 50) => call('listInbox', { flow, limit }),
    generateSample: (flow: string, step: string, from: GenerateFrom) => call('generateSample', { flow, step, from }),
    previewStep: (flow: string, step: string, options: PreviewOptions = {}) =>
      call('previewStep', {
        flow,
        step,
        ...(options.sample !== undefined && options.sample !== null ? { sample: options.sample } : {}),
        ...(options.document ? { document: options.document } : {}),
      }),
    inferSchema: (flow: string, step: string) => call('inferSchema', { flow, step }),
    retrieveSample: (flow: string, step: string, options: RetrieveOptions) =>
      call('retrieveSample', {
        flow,
        step,
        confirm: options.confirm,
        ...(options.useStored ? { useStored: true } : {}),
      }),
    /** Waits for the next request to the flow's test URL; it becomes the trigger's sample. */
    captureSample: (flow: string, timeoutMs: number) => call('captureSample', { flow, timeoutMs }),
    cancelCapture: (flow: string) => call('cancelCapture', { flow }),
    /** The hook's Postman collection; `withSecrets` fills in the credential's secrets (only when the user asks). */
    postmanCollection: (flow: string, withSecrets = false) =>
      call('postmanCollection', withSecrets ? { flow, withSecrets: true } : { flow }),
    /** Signs `body` (the trigger's sample when omitted) for the flow's HMAC-guarded hook. */
    signCall: (flow: string, body?: string) => call('signCall', body === undefined ? { flow } : { flow, body }),
    /** Whether the flow has a token for Boomerang Flow's route, and since when (never the token). */
    flowToken: (flow: string) => call('flowToken', { flow }),
    /** Makes the flow's token, answered this once; `rotate` replaces one that exists. */
    createFlowToken: (flow: string, rotate = false) =>
      call('createFlowToken', rotate ? { flow, rotate: true } : { flow }),
    openApi: () => call('openApi'),
    settings: () => call('settings'),
    setListenAddress: (address: string) => call('setListenAddress', { address }),
    setAllowedHosts: (hosts: string[]) => call('setAllowedHosts', { hosts }),
    /** Saves the folders Write File may write in (absolute, existing); an empty list clears it. */
    setAllowedFolders: (folders: string[]) => call('setAllowedFolders', { folders }),
    /** Saves the programs Run Command may run (absolute paths to executables); an empty list clears it. */
    setAllowedCommands: (programs: string[]) => call('setAllowedCommands', { programs }),
    /** Names the vault credential `POST /events/{name}` requires; none leaves the route open. */
    setEventsCredential: (credential: string | null) => call('setEventsCredential', credential ? { credential } : {}),
    /** The next fires of a Schedule trigger's config, or `invalid_input` saying what is wrong with it. */
    previewSchedule: (config: JsonValue) => call('previewSchedule', { config }),
    /** The Buttons of started flows, for the Launcher. */
    listButtons: () => call('listButtons'),
    /** Presses a flow's Button: values for its editable parameters and the picked paths. */
    pressButton: (flow: string, params: Record<string, JsonValue>, paths: string[]) =>
      call('pressButton', { flow, params, paths }),
    /** A folder's contents for a Button's path picker; without `path`, the hook's allowed folders. */
    listButtonFolder: (flow: string, path: string | null) =>
      call('listButtonFolder', path === null ? { flow } : { flow, path }),
  };
}

export type {
  ComponentDescriptor,
  ExpressionCheck,
  HookInfo,
  ListenerState,
  Settings,
  CreateCredentialArgs,
  CredentialFieldSchema,
  CredentialKindSchema,
  CredentialView,
  EditCredentialArgs,
  VaultStatus,
  Verification,
  Execution,
  ExecutionSummary,
  FlowActivity,
  FlowDocument,
  FlowRecord,
  FlowSummary,
  JsonValue,
  Problem,
  FieldPreview,
  HourActivity,
  InboxView,
  ReplayArgs,
  Sample,
  SampleSource,
  StepPreview,
  SavedFlow,
  VersionInfo,
};
