/**
 * An in-memory backend with the core's operations, for unit tests and for
 * `npm run dev:fake`. It keeps flows, versions, executions and settings in
 * memory and emits the same events the core does.
 */
import type { ComponentDescriptor } from '../bindings/ComponentDescriptor';
import type { CredentialView } from '../bindings/CredentialView';
import type { Execution } from '../bindings/Execution';
import type { ExecutionStatus } from '../bindings/ExecutionStatus';
import type { ExecutionSummary } from '../bindings/ExecutionSummary';
import type { FlowDocument } from '../bindings/FlowDocument';
import type { FlowRecord } from '../bindings/FlowRecord';
import type { FlowSummary } from '../bindings/FlowSummary';
import type { SavedFlow } from '../bindings/SavedFlow';
import type { StepRun } from '../bindings/StepRun';
import type { TriggerSource } from '../bindings/TriggerSource';
import type { VersionInfo } from '../bindings/VersionInfo';
import type { JsonValue } from '../bindings/serde_json/JsonValue';
import type { ExpressionCheck } from '../bindings/ExpressionCheck';
import type { HookInfo } from '../bindings/HookInfo';
import type { Settings } from '../bindings/Settings';
import { fakeComponents } from './fakeCatalog';
import type { Sample } from '../bindings/Sample';
import type { SampleSource } from '../bindings/SampleSource';
import { canonicalJson, checkExpressionSyntax, evaluateSimple, validateDocument } from './fakeCore';
import { inferSchema, previewFields, sampleFromSchema } from './fakeMapping';
import type { ApiError, CoreEvent, Platform } from './types';

interface StoredFlow {
  id: string;
  draft: FlowDocument;
  live: boolean;
  versions: { info: VersionInfo; document: FlowDocument }[];
  createdAt: string;
  updatedAt: string;
}

export interface FakeOptions {
  components?: ComponentDescriptor[];
  credentials?: CredentialView[];
  /** Listen addresses the fake pretends are taken by another program. */
  busyAddresses?: string[];
  /** Emit events synchronously (tests) instead of on a microtask. */
  syncEvents?: boolean;
  now?: () => Date;
  /** Demo mode: a capture receives a made-up request after this many ms. */
  autoCaptureMs?: number;
}

export interface FakePlatform extends Platform {
  kind: 'fake';
  /** Files handed to saveTextFile, and texts copied, for assertions. */
  saved: { fileName: string; text: string }[];
  copied: string[];
  opened: string[];
  /** Simulates a request reaching a live hook: runs the published version. */
  receiveWebhook(flowKey: string, body: JsonValue): Promise<Execution>;
  /** Simulates a request reaching the flow's test URL while a capture waits; false when none waits. */
  deliverCapture(flowKey: string, body: JsonValue): boolean;
  emit(event: CoreEvent): void;
}

const fail = (code: ApiError['code'], message: string, problems?: ApiError['problems']): never => {
  const error: ApiError = { code, message };
  if (problems) error.problems = problems;
  throw error;
};

const clone = <T>(value: T): T => structuredClone(value);


export function createFakePlatform(options: FakeOptions = {}): FakePlatform {
  const components = options.components ?? fakeComponents;
  const catalog = Object.fromEntries(components.map((c) => [c.id, c]));
  const credentials = options.credentials ?? [];
  const busy = new Set(options.busyAddresses ?? []);
  const now = () => (options.now ? options.now() : new Date()).toISOString();
  const flows = new Map<string, StoredFlow>();
  const executions: Execution[] = [];
  const listeners = new Set<(e: CoreEvent) => void>();
  let listenAddress = '127.0.0.1:8787';
  const busyMessage = (address: string) => `cannot listen on ${address}: address already in use`;
  let listenerError: string | null = busy.has(listenAddress) ? busyMessage(listenAddress) : null;
  let counter = 0;

  const nextId = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36).padStart(3, '0')}`;

  const emit = (event: CoreEvent) => {
    const deliver = () => listeners.forEach((l) => l(event));
    if (options.syncEvents) deliver();
    else queueMicrotask(deliver);
  };

  const triggerOf = (doc: FlowDocument) => doc.steps.find((s) => catalog[s.component]?.kind === 'trigger');
  const slugOf = (doc: FlowDocument): string | null => {
    const config = triggerOf(doc)?.config;
    if (config && typeof config === 'object' && !Array.isArray(config) && typeof config.slug === 'string') return config.slug;
    return null;
  };

  const find = (key: string): StoredFlow => {
    const flow = flows.get(key) ?? [...flows.values()].find((f) => slugOf(f.draft) === key);
    if (!flow) return fail('flow_not_found', `no flow "${key}": give a flow id (flw_…) or a webhook slug`);
    return flow;
  };

  const summary = (flow: StoredFlow): FlowSummary => {
    const latest = flow.versions[flow.versions.length - 1];
    const last = executions.filter((e) => e.flowId === flow.id).at(-1);
    return {
      id: flow.id,
      name: flow.draft.name,
      description: flow.draft.description ?? '',
      slug: slugOf(flow.draft),
      liveSlug: latest ? slugOf(latest.document) : null,
      live: flow.live,
      latestVersion: latest?.info.version ?? null,
      draftChanged: !latest || canonicalJson(latest.document) !== canonicalJson(flow.draft),
      lastExecution: last?.status ?? null,
      createdAt: flow.createdAt,
      updatedAt: flow.updatedAt,
    };
  };

  const save = (document: FlowDocument): SavedFlow => {
    const doc = clone(document);
    const id = doc.id ?? nextId('flw_');
    doc.id = id;
    const slug = slugOf(doc);
    if (slug) {
      const other = [...flows.values()].find((f) => f.id !== id && slugOf(f.draft) === slug);
      if (other) fail('conflict', `the slug "${slug}" is already used by ${other.id}`);
    }
    const existing = flows.get(id);
    const time = now();
    if (existing) {
      existing.draft = doc;
      existing.updatedAt = time;
    } else {
      flows.set(id, { id, draft: doc, live: false, versions: [], createdAt: time, updatedAt: time });
    }
    emit({ type: 'flowChanged', flowId: id });
    return { flowId: id, created: !existing, problems: validateDocument(doc, catalog) };
  };

  // Samples per flow and step, newest first; a step's draft sample seeds its list.
  const samples = new Map<string, Sample[]>();
  const captures = new Map<string, { resolve: (s: Sample) => void; reject: (e: ApiError) => void; timers: ReturnType<typeof setTimeout>[] }>();

  const stepOf = (flow: StoredFlow, stepId: unknown) => {
    const step = flow.draft.steps.find((s) => s.id === stepId);
    if (!step) return fail('invalid_input', `${flow.id} has no step ${String(stepId)}`);
    return step;
  };

  const samplesOf = (flow: StoredFlow, stepId: string): Sample[] => {
    const key = `${flow.id}/${stepId}`;
    let list = samples.get(key);
    if (!list) {
      list = [];
      const step = flow.draft.steps.find((s) => s.id === stepId);
      if (step && step.sample !== undefined && step.sample !== null) {
        list.push({ id: nextId('smp_'), flowId: flow.id, stepId, source: 'manual', createdAt: flow.updatedAt, value: step.sample, current: true });
      }
      samples.set(key, list);
    }
    return list;
  };

  /** Makes `id` the current sample and copies its value into the draft. */
  const makeCurrent = (flow: StoredFlow, stepId: string, id: string | null) => {
    const list = samplesOf(flow, stepId);
    list.forEach((s) => (s.current = s.id === id));
    const chosen = list.find((s) => s.current);
    const step = stepOf(flow, stepId);
    if (chosen) step.sample = clone(chosen.value as JsonValue);
    else delete step.sample;
    flow.updatedAt = now();
    emit({ type: 'flowChanged', flowId: flow.id });
    return chosen ?? null;
  };

  const addSample = (flow: StoredFlow, stepId: string, value: JsonValue, source: SampleSource): Sample => {
    stepOf(flow, stepId);
    const sample: Sample = { id: nextId('smp_'), flowId: flow.id, stepId, source, createdAt: now(), value: clone(value), current: false };
    samplesOf(flow, stepId).unshift(sample);
    makeCurrent(flow, stepId, sample.id);
    return sample;
  };

  /** The current value of each step of `doc`, and of the trigger the chosen sample. */
  const previewContext = (flow: StoredFlow, doc: FlowDocument, index: number | null) => {
    const trigger = triggerOf(doc);
    const steps: Record<string, JsonValue> = {};
    for (const step of doc.steps) if (step !== trigger) steps[step.id] = (step.sample ?? null) as JsonValue;
    let triggerValue = (trigger?.sample ?? null) as JsonValue;
    if (trigger && index !== null) {
      const chosen = samplesOf(flow, trigger.id)[index];
      if (!chosen) fail('invalid_input', `the trigger has no sample ${index}`);
      triggerValue = chosen!.value as JsonValue;
    }
    return { trigger: triggerValue, steps };
  };

  const captureRequest = (flow: StoredFlow, body: JsonValue): JsonValue => ({
    method: 'POST',
    path: `/hook-test/${hookKey(flow)}`,
    headers: { 'content-type': 'application/json' },
    query: {},
    body,
  });

  const hookKey = (flow: StoredFlow) => slugOf(flow.draft) ?? flow.id;

  const execute = (flow: StoredFlow, doc: FlowDocument, version: number | null, trigger: TriggerSource, input: JsonValue): Execution => {
    const id = nextId('exe_');
    const started = now();
    const outputs: Record<string, JsonValue> = {};
    const runs: StepRun[] = [];
    let status: ExecutionStatus = 'succeeded';
    let error: string | null = null;
    let failedStep: string | null = null;
    let output: JsonValue | null = null;
    const first = triggerOf(doc);
    const queue = first ? [first.id] : [];
    const done = new Set<string>();
    while (queue.length > 0 && status === 'succeeded') {
      const stepId = queue.shift()!;
      if (done.has(stepId)) continue;
      done.add(stepId);
      const step = doc.steps.find((s) => s.id === stepId)!;
      let stepOutput: JsonValue;
      let stepInput: JsonValue = null;
      let branch: boolean | null = null;
      if (step === first) {
        stepOutput = input;
      } else {
        const mapped: Record<string, JsonValue> = {};
        for (const [key, value] of Object.entries(step.inputs ?? {})) {
          const v = 'expr' in value ? evaluateSimple(value.expr, input, outputs) : value.value;
          const parts = key.split('.');
          let target = mapped;
          parts.slice(0, -1).forEach((p) => {
            if (typeof target[p] !== 'object' || target[p] === null) target[p] = {};
            target = target[p] as Record<string, JsonValue>;
          });
          target[parts.at(-1)!] = v;
        }
        stepInput = mapped;
        if (step.component === 'http_request') {
          if (typeof mapped.url !== 'string' || !/^https?:\/\//.test(mapped.url)) {
            status = 'failed';
            error = 'url must be an http:// or https:// URL';
            failedStep = step.id;
          }
          stepOutput = { status: 200, headers: { 'content-type': 'application/json' }, body: mapped.body ?? null };
        } else if (step.component === 'condition') {
          branch = mapped.condition === true;
          stepOutput = { result: branch };
        } else if (step.component === 'delay') {
          stepOutput = { waitedMs: (mapped.ms as number) ?? 0 };
        } else if (step.component === 'transform') {
          stepOutput = mapped.value ?? null;
        } else {
          stepOutput = mapped;
        }
      }
      outputs[step.id] = stepOutput;
      output = stepOutput;
      const run: StepRun = {
        stepId: step.id,
        name: step.name,
        component: step.component,
        status: failedStep === step.id ? 'failed' : 'succeeded',
        input: stepInput,
        output: failedStep === step.id ? null : stepOutput,
        error: failedStep === step.id ? error : null,
        startedAt: started,
        durationMs: 1,
      };
      if (branch !== null) run.branch = branch;
      runs.push(run);
      for (const edge of doc.edges) {
        if (edge.from !== step.id) continue;
        if (branch !== null && edge.when !== branch) continue;
        queue.push(edge.to);
      }
    }
    const execution: Execution = {
      id,
      flowId: flow.id,
      version,
      trigger,
      status,
      input,
      output: status === 'succeeded' ? output : null,
      error,
      failedStep,
      reply: null,
      createdAt: started,
      startedAt: started,
      finishedAt: now(),
      durationMs: runs.length * 2,
      steps: runs,
    };
    executions.push(execution);
    emit({ type: 'executionChanged', executionId: id, flowId: flow.id, status, stepId: null });
    emit({ type: 'flowChanged', flowId: flow.id });
    return clone(execution);
  };

  const settings = (): Settings => ({
    dataDir: '/home/user/.local/share/hookline',
    listenAddress,
    allowedHosts: [],
    listener: { address: listenAddress, running: listenerError === null, error: listenerError, restartNeeded: false },
  });

  const hooks = (flow: StoredFlow): HookInfo => {
    const trigger = triggerOf(flow.draft);
    if (trigger?.component !== 'webhook') fail('invalid_input', `${flow.id} has no webhook trigger`);
    const config = (trigger!.config ?? {}) as Record<string, JsonValue>;
    const methods = Array.isArray(config.methods) ? (config.methods as string[]) : ['POST'];
    const key = hookKey(flow);
    const url = `http://${listenAddress}/hook/${key}`;
    const sample = trigger!.sample as Record<string, JsonValue> | null | undefined;
    const body = JSON.stringify(sample?.body ?? {});
    return {
      flowId: flow.id,
      live: flow.live,
      methods,
      url,
      testUrl: `http://${listenAddress}/hook-test/${key}`,
      curl: `curl -X ${methods[0] ?? 'POST'} '${url}' -H 'Content-Type: application/json' -d '${body}'`,
      guardedBy: trigger!.credential ?? null,
    };
  };

  const ops: Record<string, (args: Record<string, unknown>) => unknown> = {
    components: () => components,
    listFlows: () => [...flows.values()].map(summary),
    getFlow: ({ flow }) => {
      const f = find(flow as string);
      return { ...summary(f), draft: f.draft } satisfies FlowRecord;
    },
    createFlow: ({ name }) => {
      if (typeof name !== 'string' || !name.trim()) fail('invalid_input', 'a flow needs a name');
      return save({ schemaVersion: 1, name: (name as string).trim(), description: '', steps: [], edges: [] });
    },
    saveDraft: ({ document }) => {
      const doc = document as FlowDocument;
      if (!doc || typeof doc !== 'object' || !Array.isArray(doc.steps) || !Array.isArray(doc.edges)) {
        fail('invalid_document', 'a flow document needs steps and edges');
      }
      return save(doc);
    },
    renameFlow: ({ flow, name, description }) => {
      const f = find(flow as string);
      if (typeof name !== 'string' || !name.trim()) fail('invalid_input', 'a flow needs a name');
      return save({ ...f.draft, name: (name as string).trim(), ...(typeof description === 'string' ? { description } : {}) });
    },
    duplicateFlow: ({ flow }) => {
      const f = find(flow as string);
      const copy = clone(f.draft);
      copy.id = nextId('flw_');
      copy.name = `${f.draft.name} (copy)`;
      const trigger = triggerOf(copy);
      if (trigger?.config && typeof trigger.config === 'object' && !Array.isArray(trigger.config) && 'slug' in trigger.config) {
        trigger.config = { ...trigger.config, slug: `${String(trigger.config.slug)}-copy` };
      }
      return save(copy);
    },
    deleteFlow: ({ flow }) => {
      const f = find(flow as string);
      flows.delete(f.id);
      emit({ type: 'flowChanged', flowId: f.id });
      return null;
    },
    importFlow: ({ text }) => {
      let doc: FlowDocument;
      try {
        doc = JSON.parse(text as string) as FlowDocument;
      } catch (e) {
        return fail('invalid_document', `the file is not JSON: ${(e as Error).message}`);
      }
      if (doc.schemaVersion !== 1) fail('invalid_document', 'schemaVersion must be 1');
      if (!Array.isArray(doc.steps) || !Array.isArray(doc.edges)) fail('invalid_document', 'a flow file needs steps and edges');
      return save(doc);
    },
    exportFlow: ({ flow }) => canonicalJson(find(flow as string).draft),
    validateFlow: ({ flow }) => validateDocument(find(flow as string).draft, catalog),
    publish: ({ flow }) => {
      const f = find(flow as string);
      const problems = validateDocument(f.draft, catalog);
      f.draft.steps.forEach((step, i) => {
        if (step.credential && !credentials.some((c) => c.name === step.credential)) {
          problems.push({ path: `steps[${i}].credential`, message: `no credential named "${step.credential}" in the vault` });
        }
      });
      if (problems.length > 0) fail('invalid_flow', `${f.id} cannot be published: ${problems.length} problem(s)`, problems);
      const info: VersionInfo = { flowId: f.id, version: f.versions.length + 1, createdAt: now() };
      f.versions.push({ info, document: clone(f.draft) });
      emit({ type: 'flowChanged', flowId: f.id });
      return info;
    },
    start: ({ flow }) => {
      const f = find(flow as string);
      if (f.versions.length === 0) fail('not_published', `${f.id} has never been published, so it cannot start; publish it first`);
      f.live = true;
      emit({ type: 'flowChanged', flowId: f.id });
      return summary(f);
    },
    stop: ({ flow }) => {
      const f = find(flow as string);
      f.live = false;
      emit({ type: 'flowChanged', flowId: f.id });
      return summary(f);
    },
    versions: ({ flow }) => find(flow as string).versions.map((v) => v.info).reverse(),
    version: ({ flow, version }) => {
      const f = find(flow as string);
      const v = f.versions.find((x) => x.info.version === version);
      if (!v) return fail('version_not_found', `${f.id} has no version ${String(version)}`);
      return v.document;
    },
    restoreVersion: ({ flow, version }) => {
      const f = find(flow as string);
      const v = f.versions.find((x) => x.info.version === version);
      if (!v) return fail('version_not_found', `${f.id} has no version ${String(version)}`);
      return save(clone(v.document));
    },
    runFlow: ({ flow, input, draft }) => {
      const f = find(flow as string);
      let doc: FlowDocument;
      let version: number | null = null;
      if (draft) {
        const problems = validateDocument(f.draft, catalog);
        if (problems.length > 0) fail('invalid_flow', `${f.id} cannot run: ${problems.length} problem(s)`, problems);
        doc = f.draft;
      } else {
        const latest = f.versions.at(-1);
        if (!latest) return fail('not_published', `${f.id} has no published version; publish it first, or run the draft`);
        doc = latest.document;
        version = latest.info.version;
      }
      const sample = triggerOf(doc)?.sample ?? {};
      return execute(f, doc, version, 'manual', (input as JsonValue | undefined) ?? sample);
    },
    // The fake has no listener, so no request ever reaches a hook.
    listInbox: ({ flow }) => {
      find(flow as string);
      return [];
    },
    listExecutions: ({ flow, limit }) => {
      const id = typeof flow === 'string' ? find(flow).id : null;
      return executions
        .filter((e) => id === null || e.flowId === id)
        .slice()
        .reverse()
        .slice(0, typeof limit === 'number' ? limit : 50)
        .map(
          (e): ExecutionSummary => ({
            id: e.id,
            flowId: e.flowId,
            version: e.version,
            trigger: e.trigger,
            status: e.status,
            error: e.error,
            createdAt: e.createdAt,
            durationMs: e.durationMs,
          }),
        );
    },
    getExecution: ({ id }) => {
      const e = executions.find((x) => x.id === id);
      if (!e) return fail('execution_not_found', `no execution "${String(id)}"`);
      return e;
    },
    listCredentials: () => credentials,
    checkExpression: ({ expr }): ExpressionCheck => checkExpressionSyntax(String(expr ?? '')),
    hooks: ({ flow }) => hooks(find(flow as string)),
    postmanCollection: ({ flow }) => {
      const f = find(flow as string);
      const hook = hooks(f);
      const sample = triggerOf(f.draft)?.sample as Record<string, JsonValue> | null | undefined;
      return {
        info: {
          name: f.draft.name,
          schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
        },
        item: hook.methods.map((method) => ({
          name: `${method} ${f.draft.name}`,
          request: {
            method,
            header: [{ key: 'Content-Type', value: 'application/json' }],
            url: { raw: hook.url },
            body: { mode: 'raw', raw: JSON.stringify(sample?.body ?? {}, null, 2) },
          },
        })),
      };
    },
    openApi: () => {
      const paths: Record<string, JsonValue> = {};
      for (const f of flows.values()) {
        if (!f.live || triggerOf(f.draft)?.component !== 'webhook') continue;
        const hook = hooks(f);
        paths[`/hook/${hookKey(f)}`] = Object.fromEntries(
          hook.methods.map((m) => [m.toLowerCase(), { summary: f.draft.name, responses: { '202': { description: 'Accepted' } } }]),
        );
      }
      return { openapi: '3.0.3', info: { title: 'Hookline live hooks', version: '1' }, servers: [{ url: `http://${listenAddress}` }], paths };
    },
    listSamples: ({ flow, step }) => {
      const f = find(flow as string);
      stepOf(f, step);
      return samplesOf(f, step as string);
    },
    addSample: ({ flow, step, value }) => {
      const f = find(flow as string);
      if (value === undefined) fail('invalid_input', 'a sample needs a value');
      return addSample(f, step as string, value as JsonValue, 'manual');
    },
    setCurrentSample: ({ flow, step, sample }) => {
      const f = find(flow as string);
      if (!samplesOf(f, step as string).some((s) => s.id === sample)) fail('invalid_input', `no sample ${String(sample)}`);
      makeCurrent(f, step as string, sample as string);
      return samplesOf(f, step as string);
    },
    removeSample: ({ flow, step, sample }) => {
      const f = find(flow as string);
      const list = samplesOf(f, step as string);
      const at = list.findIndex((s) => s.id === sample);
      if (at < 0) fail('invalid_input', `no sample ${String(sample)}`);
      const [removed] = list.splice(at, 1);
      makeCurrent(f, step as string, removed!.current ? (list[0]?.id ?? null) : (list.find((s) => s.current)?.id ?? null));
      return null;
    },
    generateSample: ({ flow, step, from }) => {
      const f = find(flow as string);
      const s = stepOf(f, step);
      const source = (from ?? { kind: 'schema' }) as { kind: string; id?: string };
      if (source.kind === 'execution') {
        const e = executions.find((x) => x.id === source.id && x.flowId === f.id);
        if (!e) return fail('execution_not_found', `no execution "${String(source.id)}" of ${f.id}`);
        const value = s === triggerOf(f.draft) ? e.input : (e.steps.find((r) => r.stepId === s.id)?.output ?? null);
        return addSample(f, s.id, value, 'execution');
      }
      if (source.kind !== 'schema') return fail('inbox_entry_not_found', `no inbox entry "${String(source.id)}"`);
      const known = samplesOf(f, s.id).map((x) => x.value as JsonValue);
      const component = catalog[s.component];
      const value = known.length > 0 ? sampleFromSchema(inferSchema(known)) : (component?.exampleOutput ?? {});
      return addSample(f, s.id, value, 'generated');
    },
    inferSchema: ({ flow, step }) => {
      const f = find(flow as string);
      stepOf(f, step);
      return inferSchema(samplesOf(f, step as string).map((x) => x.value as JsonValue));
    },
    previewStep: ({ flow, step, sample, document }) => {
      const f = find(flow as string);
      const doc = (document as FlowDocument | undefined) ?? f.draft;
      const s = doc.steps.find((x) => x.id === step);
      if (!s) return fail('invalid_input', `${f.id} has no step ${String(step)}`);
      const component = catalog[s.component];
      if (!component) return fail('invalid_input', `unknown component "${s.component}"`);
      return { stepId: s.id, fields: previewFields(doc, s.id, component, previewContext(f, doc, typeof sample === 'number' ? sample : null)) };
    },
    retrieveSample: ({ flow, step, confirm, useStored }) => {
      const f = find(flow as string);
      const s = stepOf(f, step);
      const component = catalog[s.component];
      if (!component || component.kind === 'trigger') return fail('invalid_input', `${s.id} is not an action`);
      if (useStored) {
        const last = [...executions].reverse().find((e) => e.flowId === f.id && e.steps.some((r) => r.stepId === s.id && r.output !== null));
        const output = last?.steps.find((r) => r.stepId === s.id)?.output ?? component.exampleOutput;
        return addSample(f, s.id, output, last ? 'execution' : 'generated');
      }
      const mapped: Record<string, JsonValue> = {};
      for (const field of previewFields(f.draft, s.id, component, previewContext(f, f.draft, null))) {
        if (field.value === undefined) continue;
        const parts = field.field.split('.');
        let target = mapped;
        parts.slice(0, -1).forEach((p) => {
          if (typeof target[p] !== 'object' || target[p] === null) target[p] = {};
          target = target[p] as Record<string, JsonValue>;
        });
        target[parts.at(-1)!] = field.value as JsonValue;
      }
      // As in the core: only an HTTP method other than GET or HEAD changes something.
      const method = typeof mapped.method === 'string' ? mapped.method.toUpperCase() : 'GET';
      if (component.sideEffects && !['GET', 'HEAD'].includes(method) && confirm !== true) {
        return fail('confirmation_required' as ApiError['code'], `running ${s.id} (${s.name}) for a sample would send a ${method} request to ${String(mapped.url)}: confirm to run it, or use the output of an earlier execution`);
      }
      const output: JsonValue =
        s.component === 'http_request'
          ? { status: 200, headers: { 'content-type': 'application/json' }, body: mapped.body ?? null }
          : s.component === 'transform'
            ? (mapped.value ?? null)
            : s.component === 'condition'
              ? { result: mapped.condition === true }
              : mapped;
      return addSample(f, s.id, output, 'execution');
    },
    captureSample: ({ flow, timeoutMs }) => {
      const f = find(flow as string);
      const trigger = triggerOf(f.draft);
      if (trigger?.component !== 'webhook') return fail('invalid_input', `${f.id} has no webhook trigger`);
      captures.get(f.id)?.reject({ code: 'cancelled', message: 'a newer capture replaced this one' });
      return new Promise<Sample>((resolve, reject) => {
        const timers: ReturnType<typeof setTimeout>[] = [];
        const done = () => {
          timers.forEach(clearTimeout);
          captures.delete(f.id);
        };
        captures.set(f.id, {
          resolve: (s) => {
            done();
            resolve(s);
          },
          reject: (e) => {
            done();
            reject(e);
          },
          timers,
        });
        const wait = typeof timeoutMs === 'number' ? timeoutMs : 120_000;
        timers.push(setTimeout(() => captures.get(f.id)?.reject({ code: 'capture_timeout', message: `no request reached the test URL within ${Math.round(wait / 1000)} s` }), wait));
        if (options.autoCaptureMs !== undefined) {
          timers.push(setTimeout(() => platform.deliverCapture(f.id, { petname: 'Wallace', petstatus: 'available', tags: ['cheese'] }), options.autoCaptureMs));
        }
      });
    },
    cancelCapture: ({ flow }) => {
      const f = find(flow as string);
      captures.get(f.id)?.reject({ code: 'cancelled', message: 'the capture was cancelled' });
      return null;
    },
    settings: () => settings(),
    setListenAddress: ({ address }) => {
      if (typeof address !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(address) || Number(address.split(':').pop()) > 65535) {
        fail('invalid_input', `"${String(address)}" is not host:port, such as 127.0.0.1:8787`);
      }
      listenAddress = address as string;
      listenerError = busy.has(listenAddress) ? busyMessage(listenAddress) : null;
      emit({ type: 'listenerChanged' });
      return settings();
    },
  };

  const platform: FakePlatform = {
    kind: 'fake',
    saved: [],
    copied: [],
    opened: [],
    async call<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
      const handler = ops[op];
      if (!handler) return fail('invalid_input', `unknown operation ${op}`);
      return clone(await handler(args)) as T;
    },
    subscribe(onEvent) {
      listeners.add(onEvent);
      return () => listeners.delete(onEvent);
    },
    async openUrl(url) {
      platform.opened.push(url);
    },
    async saveTextFile(fileName, text) {
      platform.saved.push({ fileName, text });
      return `/home/user/Downloads/${fileName}`;
    },
    async copyText(text) {
      platform.copied.push(text);
    },
    async receiveWebhook(flowKey, body) {
      const f = find(flowKey);
      const latest = f.versions.at(-1);
      if (!f.live || !latest) return fail('flow_not_found', `${flowKey} is not started`);
      const input: JsonValue = { method: 'POST', path: `/hook/${flowKey}`, headers: {}, query: {}, body };
      return execute(f, latest.document, latest.info.version, 'webhook', input);
    },
    deliverCapture(flowKey, body) {
      const f = find(flowKey);
      const waiting = captures.get(f.id);
      if (!waiting) return false;
      const trigger = triggerOf(f.draft)!;
      waiting.resolve(addSample(f, trigger.id, captureRequest(f, body), 'captured'));
      return true;
    },
    emit,
  };
  return platform;
}
