import { beforeEach, describe, expect, it } from 'vitest';

import type { FlowDocument } from '../bindings/FlowDocument';
import { builtInComponents } from '../test/components';
import { catalogOf, documentToGraph, graphToDocument } from './convert';
import { hasTrigger, makeStepId, selectedStepId, useEditor } from './store';

const catalog = catalogOf(builtInComponents);
const byId = (id: string) => builtInComponents.find((c) => c.id === id)!;

const pets: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_pets',
  name: 'Pets',
  description: 'Create a pet',
  parameters: [{ name: 'status', default: 'available', overridable: true }],
  steps: [
    {
      id: 'stp_hook',
      component: 'webhook',
      name: 'Webhook',
      config: { slug: 'pets' },
      sample: { body: { petname: 'Gromit' } },
    },
    { id: 'stp_check', component: 'condition', name: 'Known?', inputs: { condition: { expr: 'body.petname != ""' } } },
    {
      id: 'stp_create',
      component: 'http_request',
      name: 'Create',
      note: 'Petstore',
      credential: 'petstore',
      inputs: { url: { value: 'http://x/pet' }, 'body.name': { expr: '$trigger.body.petname' } },
      retry: { maxAttempts: 4, backoffMs: 500, maxBackoffMs: 8000, on: ['5xx', 'timeout'] },
      continueOnError: true,
    },
    { id: 'stp_reply', component: 'respond', name: 'Reply', inputs: { status: { value: 400 } } },
  ],
  edges: [
    { from: 'stp_hook', to: 'stp_check' },
    { from: 'stp_check', to: 'stp_create', when: true },
    { from: 'stp_check', to: 'stp_reply', when: false },
  ],
};

const editor = () => useEditor.getState();

beforeEach(() => {
  editor().load('flw_test', { schemaVersion: 1, id: 'flw_test', name: 'Test', steps: [], edges: [] }, catalog);
});

describe('document ⇄ graph conversion', () => {
  it('round-trips a document with a condition, notes, credentials, samples, retries and parameters', () => {
    const graph = documentToGraph(pets, catalog);
    expect(graphToDocument(graph)).toEqual(pets);
  });

  it('gives condition edges a true/false handle and label data', () => {
    const graph = documentToGraph(pets, catalog);
    const branches = graph.edges.filter((e) => e.source === 'stp_check');
    expect(branches.map((e) => [e.sourceHandle, e.data?.when])).toEqual([
      ['true', true],
      ['false', false],
    ]);
    expect(graph.nodes.find((n) => n.id === 'stp_check')!.data.branching).toBe(true);
    expect(graph.nodes.find((n) => n.id === 'stp_hook')!.data.trigger).toBe(true);
  });

  it('uses stored positions only when every step has one', () => {
    const partial = documentToGraph(pets, catalog, { stp_hook: { x: 999, y: 999 } });
    expect(partial.nodes[0]!.position).not.toEqual({ x: 999, y: 999 });
    const all = Object.fromEntries(pets.steps.map((s, i) => [s.id, { x: i * 10, y: 5 }]));
    expect(documentToGraph(pets, catalog, all).nodes.map((n) => n.position.x)).toEqual([0, 10, 20, 30]);
  });
});

describe('editor store', () => {
  it('adds a trigger, then an action after it, connected and selected', () => {
    const hook = editor().addStep(byId('webhook'));
    expect(hook).toBe('stp_webhook');
    expect(hasTrigger(editor())).toBe(true);
    const http = editor().addStep(byId('http_request'), { after: hook });
    expect(http).toBe('stp_http_request');
    expect(editor().edges.map((e) => [e.source, e.target])).toEqual([[hook, http]]);
    expect(selectedStepId(editor())).toBe(http);
    const doc = editor().document();
    expect(doc.steps[0]).toEqual({ id: 'stp_webhook', component: 'webhook', name: 'Webhook', config: {} });
    expect(doc.steps[1]).toEqual({
      id: 'stp_http_request',
      component: 'http_request',
      name: 'HTTP Request',
      inputs: {},
    });
    expect(editor().dirty).toBe(true);
  });

  it('names repeated components uniquely', () => {
    editor().addStep(byId('webhook'));
    editor().addStep(byId('transform'));
    editor().addStep(byId('transform'));
    expect(editor().nodes.map((n) => [n.id, n.data.step.name])).toEqual([
      ['stp_webhook', 'Webhook'],
      ['stp_transform', 'Transform'],
      ['stp_transform_2', 'Transform 2'],
    ]);
    expect(makeStepId('HTTP Request!', new Set())).toBe('stp_http_request');
  });

  it('hangs steps after a condition on the true branch first, then false', () => {
    const hook = editor().addStep(byId('webhook'));
    const cond = editor().addStep(byId('condition'), { after: hook });
    editor().addStep(byId('transform'), { after: cond });
    editor().addStep(byId('respond'), { after: cond });
    editor().addStep(byId('delay'), { after: cond, branch: false });
    const doc = editor().document();
    expect(doc.edges.filter((e) => e.from === cond).map((e) => e.when)).toEqual([true, false, false]);
  });

  it('connects by handle and refuses self loops, edges into the trigger, duplicates and cycles', () => {
    const hook = editor().addStep(byId('webhook'));
    const a = editor().addStep(byId('transform'), { after: hook });
    const b = editor().addStep(byId('transform'));
    expect(editor().connect(a, b)).toBeNull();
    expect(editor().connect(a, a)).toBe('self');
    expect(editor().connect(b, hook)).toBe('into-trigger');
    expect(editor().connect(a, b)).toBe('duplicate');
    expect(editor().connect(b, a)).toBe('cycle');
    const cond = editor().addStep(byId('condition'));
    editor().connect(b, cond);
    const c = editor().addStep(byId('delay'));
    expect(editor().connect(cond, c, 'false')).toBeNull();
    expect(editor().document().edges.at(-1)).toEqual({ from: cond, to: c, when: false });
  });

  it('deletes a node with its edges in one undoable step, and redoes it', () => {
    const hook = editor().addStep(byId('webhook'));
    const a = editor().addStep(byId('transform'), { after: hook });
    editor().addStep(byId('delay'), { after: a });
    expect(editor().edges).toHaveLength(2);
    editor().deleteElements([a], []);
    expect(editor().nodes.map((n) => n.id)).toEqual([hook, 'stp_delay']);
    expect(editor().edges).toHaveLength(0);
    editor().undo();
    expect(editor().nodes).toHaveLength(3);
    expect(editor().edges).toHaveLength(2);
    editor().redo();
    expect(editor().nodes).toHaveLength(2);
    expect(editor().edges).toHaveLength(0);
  });

  it('deletes a selected edge only', () => {
    const hook = editor().addStep(byId('webhook'));
    editor().addStep(byId('transform'), { after: hook });
    const edge = editor().edges[0]!;
    editor().select(null);
    editor().onEdgesChange([{ type: 'select', id: edge.id, selected: true }]);
    editor().deleteSelection();
    expect(editor().edges).toHaveLength(0);
    expect(editor().nodes).toHaveLength(2);
  });

  it('undoes every edit back to the loaded document, where it is clean again', () => {
    editor().load('flw_pets', pets, catalog);
    expect(editor().dirty).toBe(false);
    editor().updateStep('stp_create', (s) => ({ ...s, name: 'Create pet' }));
    editor().setMeta({ name: 'Pets 2' });
    editor().autoLayout();
    expect(editor().dirty).toBe(true);
    editor().undo();
    editor().undo();
    expect(editor().dirty).toBe(true);
    editor().undo();
    expect(editor().dirty).toBe(false);
    expect(editor().document()).toEqual(pets);
    editor().undo();
    expect(editor().document()).toEqual(pets);
    editor().redo();
    expect(editor().document().steps[2]!.name).toBe('Create pet');
  });

  it('coalesces typing in one field into one undo step', () => {
    editor().load('flw_pets', pets, catalog);
    for (const name of ['C', 'Cr', 'Cre']) editor().updateStep('stp_create', (s) => ({ ...s, name }), 'name');
    expect(editor().past).toHaveLength(1);
    editor().undo();
    expect(editor().document().steps[2]!.name).toBe('Create');
  });

  it('clears the dirty flag on save and keeps later edits dirty', () => {
    editor().addStep(byId('webhook'));
    const saved = editor().document();
    editor().markSaved(saved);
    expect(editor().dirty).toBe(false);
    editor().setMeta({ description: 'x' });
    expect(editor().dirty).toBe(true);
    editor().undo();
    expect(editor().dirty).toBe(false);
  });

  it('records a drag as one undo step and ignores clicks that move nothing', () => {
    const hook = editor().addStep(byId('webhook'));
    const before = editor().past.length;
    editor().beginMove();
    editor().endMove();
    expect(editor().past.length).toBe(before);
    editor().beginMove();
    editor().onNodesChange([{ type: 'position', id: hook, position: { x: 50, y: 60 }, dragging: true }]);
    editor().onNodesChange([{ type: 'position', id: hook, position: { x: 80, y: 90 }, dragging: true }]);
    editor().endMove();
    expect(editor().past.length).toBe(before + 1);
    expect(editor().dirty).toBe(true);
    editor().undo();
    expect(editor().nodes[0]!.position).not.toEqual({ x: 80, y: 90 });
  });

  it('maps problems to step ids from the document they were found in', () => {
    editor().load('flw_pets', pets, catalog);
    editor().setProblems([{ path: 'steps[2].inputs["url"]', message: 'bad url' }], pets);
    expect(editor().problems[0]).toMatchObject({ stepId: 'stp_create', target: { area: 'inputs', field: 'url' } });
  });
});
