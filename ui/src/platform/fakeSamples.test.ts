import { describe, expect, it, vi } from 'vitest';

import { createApi } from '../api';
import type { FlowDocument } from '../bindings/FlowDocument';
import { createFakePlatform } from './fake';

function petsFlow(): FlowDocument {
  return {
    schemaVersion: 1,
    id: 'flw_pets',
    name: 'Pets',
    steps: [
      { id: 'stp_hook', component: 'webhook', name: 'Webhook', config: { slug: 'pets' }, sample: { body: { petname: 'Gromit' } } },
      {
        id: 'stp_create',
        component: 'http_request',
        name: 'Create pet',
        inputs: { url: { value: 'http://127.0.0.1:9000/pet' }, 'body.name': { expr: '$trigger.body.petname' } },
      },
    ],
    edges: [{ from: 'stp_hook', to: 'stp_create' }],
  };
}

async function setup() {
  const platform = createFakePlatform({ syncEvents: true });
  const api = createApi(platform);
  await api.saveDraft(petsFlow());
  return { platform, api };
}

describe('fake samples', () => {
  it('lists the draft sample, adds new ones as current, newest first, and mirrors the current one into the draft', async () => {
    const { api } = await setup();
    expect((await api.listSamples('flw_pets', 'stp_hook')).map((s) => s.current)).toEqual([true]);
    const added = await api.addSample('flw_pets', 'stp_hook', { body: { petname: 'Wallace', age: 3 } });
    expect(added.source).toBe('manual');
    const list = await api.listSamples('flw_pets', 'stp_hook');
    expect(list[0]!.id, 'newest first').toBe(added.id);
    expect(list.map((s) => s.current)).toEqual([true, false]);
    expect((await api.getFlow('flw_pets')).draft.steps[0]!.sample).toEqual({ body: { petname: 'Wallace', age: 3 } });
    await api.setCurrentSample('flw_pets', 'stp_hook', list[1]!.id);
    expect((await api.getFlow('flw_pets')).draft.steps[0]!.sample, 'the chosen sample becomes the draft sample').toEqual({ body: { petname: 'Gromit' } });
    await api.removeSample('flw_pets', 'stp_hook', list[1]!.id);
    const after = await api.listSamples('flw_pets', 'stp_hook');
    expect(after.map((s) => [s.id, s.current]), 'removing the current sample makes the newest current').toEqual([[added.id, true]]);
  });

  it('infers optional and nullable fields over all samples', async () => {
    const { api } = await setup();
    await api.addSample('flw_pets', 'stp_hook', { body: { petname: null, age: 3 } });
    const schema = (await api.inferSchema('flw_pets', 'stp_hook')) as { properties: { body: { required: string[]; properties: Record<string, { type: unknown }> } } };
    expect(schema.properties.body.required).toEqual(['petname']);
    expect(schema.properties.body.properties.petname!.type).toEqual(['string', 'null']);
  });

  it('previews mapped fields against each trigger sample with type, required and unknown-step checks', async () => {
    const { api } = await setup();
    await api.addSample('flw_pets', 'stp_hook', { body: { petname: 42 } });
    const doc = petsFlow();
    doc.steps[1]!.inputs = { ...doc.steps[1]!.inputs, 'body.id': { expr: '$steps.stp_gone.id' }, timeoutMs: { expr: '$trigger.body.petname' }, headers: { expr: '$join(' } };
    const newest = await api.previewStep('flw_pets', 'stp_create', { document: doc, sample: 0 });
    const field = (name: string) => newest.fields.find((f) => f.field === name)!;
    expect(field('body.name')).toMatchObject({ value: 42, valueType: 'integer', check: 'ok' });
    expect(field('timeoutMs')).toMatchObject({ check: 'ok', value: 42 });
    expect(field('body.id').check).toBe('unknown_step');
    expect(field('headers')).toMatchObject({ check: 'error', error: { position: 5 } });
    const older = await api.previewStep('flw_pets', 'stp_create', { document: doc, sample: 1 });
    expect(older.fields.find((f) => f.field === 'timeoutMs')).toMatchObject({ check: 'type_mismatch', valueType: 'string' });
    doc.steps[1]!.inputs = {};
    const empty = await api.previewStep('flw_pets', 'stp_create', { document: doc });
    expect(empty.fields.find((f) => f.field === 'url')).toMatchObject({ check: 'missing_required', valueType: 'missing' });
  });

  it('asks before retrieving a sample of a step whose method changes something', async () => {
    const { api } = await setup();
    const got = await api.retrieveSample('flw_pets', 'stp_create', { confirm: false });
    expect(got.value, 'a GET (the default method) runs at once').toMatchObject({ status: 200 });
    const post = petsFlow();
    post.steps[1]!.inputs!.method = { value: 'POST' };
    await api.saveDraft(post);
    const refused = await api.retrieveSample('flw_pets', 'stp_create', { confirm: false }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'confirmation_required' });
    const ran = await api.retrieveSample('flw_pets', 'stp_create', { confirm: true });
    expect(ran.value).toMatchObject({ status: 200, body: { name: 'Gromit' } });
    const stored = await api.retrieveSample('flw_pets', 'stp_create', { confirm: false, useStored: true });
    expect(stored.current).toBe(true);
  });

  it('generates samples from the schema and from an execution', async () => {
    const { api } = await setup();
    expect((await api.generateSample('flw_pets', 'stp_hook', { kind: 'schema' })).source).toBe('generated');
    const execution = await api.runFlow('flw_pets', { draft: true, input: { body: { petname: 'Shaun' } } });
    const fromRun = await api.generateSample('flw_pets', 'stp_hook', { kind: 'execution', id: execution.id });
    expect(fromRun.value).toEqual({ body: { petname: 'Shaun' } });
  });

  it('captures the next test request, and can be cancelled or time out', async () => {
    const { api, platform } = await setup();
    const waiting = api.captureSample('flw_pets', 5000);
    expect(platform.deliverCapture('pets', { petname: 'Feathers' })).toBe(true);
    const captured = await waiting;
    expect(captured).toMatchObject({ source: 'captured', current: true, value: { body: { petname: 'Feathers' } } });
    const cancelled = api.captureSample('flw_pets', 5000).catch((e: unknown) => e);
    await api.cancelCapture('flw_pets');
    expect(await cancelled).toMatchObject({ code: 'cancelled' });
    vi.useFakeTimers();
    try {
      const timedOut = api.captureSample('flw_pets', 1000).catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(1001);
      expect(await timedOut).toMatchObject({ code: 'capture_timeout' });
    } finally {
      vi.useRealTimers();
    }
  });
});
