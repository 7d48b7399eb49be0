import { describe, expect, it } from 'vitest';

import type { FlowDocument } from '../bindings/FlowDocument';
import type { SavedFlow } from '../bindings/SavedFlow';
import { createApi } from '../api';
import { createFakePlatform } from './fake';
import type { CoreEvent } from './types';

function petsFlow(id?: string): FlowDocument {
  return {
    schemaVersion: 1,
    ...(id ? { id } : {}),
    name: 'Pets from webhook',
    steps: [
      { id: 'stp_hook', component: 'webhook', name: 'Webhook', config: { methods: ['POST'], slug: 'pets' }, sample: { body: { petname: 'Gromit', petstatus: 'Sold' } } },
      {
        id: 'stp_create',
        component: 'http_request',
        name: 'Create pet',
        inputs: {
          method: { value: 'POST' },
          url: { value: 'http://127.0.0.1:9000/pet' },
          'body.name': { expr: '$trigger.body.petname' },
          'body.status': { expr: '$trigger.body.petstatus' },
        },
      },
    ],
    edges: [{ from: 'stp_hook', to: 'stp_create' }],
  };
}

function setup() {
  const platform = createFakePlatform({ syncEvents: true });
  const api = createApi(platform);
  const events: CoreEvent[] = [];
  platform.subscribe((e) => events.push(e));
  return { platform, api, events };
}

describe('fake platform', () => {
  it('creates a flow that the list then shows as an unpublished, stopped draft', async () => {
    const { api, events } = setup();
    const saved = await api.createFlow('Orders');
    expect(saved.created).toBe(true);
    expect(saved.flowId).toMatch(/^flw_/);
    const flows = await api.listFlows();
    expect(flows.map((f) => f.name)).toEqual(['Orders']);
    expect(flows[0]).toMatchObject({ live: false, latestVersion: null, draftChanged: true });
    expect(events).toContainEqual({ type: 'flowChanged', flowId: saved.flowId });
  });

  it('refuses to publish an invalid draft with problems at step paths', async () => {
    const { api } = setup();
    const { flowId } = await api.createFlow('Broken');
    const doc = { ...petsFlow(flowId), name: 'Broken' };
    doc.steps[1]!.inputs = { method: { value: 'POST' } };
    const saved = await api.saveDraft(doc);
    expect(saved.problems).toContainEqual({ path: 'steps[1].inputs', message: 'the required input url is not set' });
    const error = await api.publish(flowId).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'invalid_flow' });
    expect((error as { problems: { path: string }[] }).problems.map((p) => p.path)).toContain('steps[1].inputs');
  });

  it('publishes a valid draft as version 1, starts it and reports the hook', async () => {
    const { api } = setup();
    const saved: SavedFlow = await api.importFlow(JSON.stringify(petsFlow()));
    expect(saved.problems).toEqual([]);
    await expect(api.start(saved.flowId)).rejects.toMatchObject({ code: 'not_published' });
    const version = await api.publish(saved.flowId);
    expect(version.version).toBe(1);
    const summary = await api.start(saved.flowId);
    expect(summary).toMatchObject({ live: true, latestVersion: 1, draftChanged: false });
    const hook = await api.hooks('pets');
    expect(hook.url).toBe('http://127.0.0.1:8787/hook/pets');
    expect(hook.methods).toEqual(['POST']);
    expect(hook.curl).toContain(hook.url);
  });

  it('runs a published flow from a webhook and lists the execution as succeeded', async () => {
    const { api, platform, events } = setup();
    const { flowId } = await api.importFlow(JSON.stringify(petsFlow()));
    await api.publish(flowId);
    await api.start(flowId);
    const execution = await platform.receiveWebhook('pets', { petname: 'Rex', petstatus: 'available' });
    expect(execution.status).toBe('succeeded');
    expect(execution.steps[1]!.input).toMatchObject({ body: { name: 'Rex', status: 'available' } });
    const list = await api.listExecutions({ flow: flowId });
    expect(list.map((e) => e.status)).toEqual(['succeeded']);
    expect(events.some((e) => e.type === 'executionChanged' && e.flowId === flowId)).toBe(true);
    expect((await api.listFlows())[0]!.lastExecution).toBe('succeeded');
  });

  it('exports canonical JSON that imports back to the same draft', async () => {
    const { api } = setup();
    const { flowId } = await api.importFlow(JSON.stringify(petsFlow()));
    const text = await api.exportFlow(flowId);
    expect(text.indexOf('"edges"')).toBeLessThan(text.indexOf('"steps"'));
    const again = await api.importFlow(text);
    expect(again).toMatchObject({ flowId, created: false });
    expect((await api.getFlow(flowId)).draft).toEqual(JSON.parse(text));
  });

  it('duplicates, renames and deletes flows', async () => {
    const { api } = setup();
    const { flowId } = await api.importFlow(JSON.stringify(petsFlow()));
    const copy = await api.duplicateFlow(flowId);
    expect(copy.flowId).not.toBe(flowId);
    await api.renameFlow(copy.flowId, 'Pets copy', 'second');
    expect((await api.getFlow(copy.flowId)).draft).toMatchObject({ name: 'Pets copy', description: 'second' });
    await api.deleteFlow(flowId);
    expect((await api.listFlows()).map((f) => f.id)).toEqual([copy.flowId]);
    await expect(api.getFlow(flowId)).rejects.toMatchObject({ code: 'flow_not_found' });
  });

  it('keeps versions and restores one into the draft', async () => {
    const { api } = setup();
    const { flowId } = await api.importFlow(JSON.stringify(petsFlow()));
    await api.publish(flowId);
    await api.saveDraft({ ...petsFlow(flowId), name: 'Renamed' });
    expect((await api.getFlow(flowId)).draftChanged).toBe(true);
    await api.restoreVersion(flowId, 1);
    const flow = await api.getFlow(flowId);
    expect(flow.draft.name).toBe('Pets from webhook');
    expect(flow.draftChanged).toBe(false);
    expect((await api.versions(flowId)).map((v) => v.version)).toEqual([1]);
  });

  it('checks expression syntax with a position', async () => {
    const { api } = setup();
    expect(await api.checkExpression('$trigger.body.petname')).toEqual({ ok: true, message: null, position: null });
    const bad = await api.checkExpression('$sum(body.items');
    expect(bad.ok).toBe(false);
    expect(bad.position).toBe(4);
  });

  it('reports a busy listen address and emits listenerChanged', async () => {
    const platform = createFakePlatform({ syncEvents: true, busyAddresses: ['127.0.0.1:80'] });
    const api = createApi(platform);
    const events: CoreEvent[] = [];
    platform.subscribe((e) => events.push(e));
    const settings = await api.setListenAddress('127.0.0.1:80');
    expect(settings.listener.running).toBe(false);
    expect(settings.listener.error).toMatch(/in use/);
    expect(events).toContainEqual({ type: 'listenerChanged' });
    await expect(api.setListenAddress('nonsense')).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('records saved files and builds a Postman collection for the hook', async () => {
    const { api, platform } = setup();
    const { flowId } = await api.importFlow(JSON.stringify(petsFlow()));
    const collection = (await api.postmanCollection(flowId)) as { info: { schema: string }; item: { request: { url: { raw: string } } }[] };
    expect(collection.info.schema).toContain('v2.1.0');
    expect(collection.item[0]!.request.url.raw).toBe('http://127.0.0.1:8787/hook/pets');
    const path = await platform.saveTextFile('pets.flow.json', '{}');
    expect(path).toBe('/home/user/Downloads/pets.flow.json');
    expect(platform.saved).toEqual([{ fileName: 'pets.flow.json', text: '{}' }]);
  });
});
