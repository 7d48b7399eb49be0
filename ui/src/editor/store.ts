/**
 * The designer's editor state in one store: the graph being edited (nodes,
 * edges, document metadata), selection, dirty flag and the undo/redo
 * history. Every edit goes through an action here, so every edit can be
 * undone and nothing changes the graph behind the history's back.
 */
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from '@xyflow/react';
import { create } from 'zustand';

import type { ComponentDescriptor } from '../bindings/ComponentDescriptor';
import type { FlowDocument } from '../bindings/FlowDocument';
import type { Problem } from '../bindings/Problem';
import type { Step } from '../bindings/Step';
import type { JsonValue } from '../bindings/serde_json/JsonValue';
import { freeSpot, layeredLayout, type Point } from '../lib/layout';
import { locateProblems, type LocatedProblem } from '../lib/problems';
import {
  documentToGraph,
  graphToDocument,
  makeEdge,
  makeNode,
  type Catalog,
  type DocMeta,
  type FlowEdge,
  type StepNode,
} from './convert';

const HISTORY_LIMIT = 100;
/** Keystrokes in one field within this many ms make one undo step. */
const COALESCE_MS = 1200;

interface Snapshot {
  meta: DocMeta;
  nodes: StepNode[];
  edges: FlowEdge[];
}

export interface ChooserState {
  open: boolean;
  /** The step the new one follows (and is connected from). */
  after: string | null;
  /** The branch of a Condition the new step hangs on. */
  branch: boolean | null;
}

export interface FocusRequest {
  stepId: string;
  /** `data-field` of the element to focus in the step panel. */
  field: string | null;
  seq: number;
}

export type ConnectRefusal = 'self' | 'into-trigger' | 'duplicate' | 'cycle' | 'unknown';

export interface EditorState {
  flowId: string | null;
  meta: DocMeta;
  nodes: StepNode[];
  edges: FlowEdge[];
  catalog: Catalog;
  /** The document as last saved (or loaded), as JSON, to tell whether it is dirty. */
  savedJson: string;
  dirty: boolean;
  past: Snapshot[];
  future: Snapshot[];
  lastEdit: { key: string; at: number } | null;
  pendingMove: Snapshot | null;
  problems: LocatedProblem[];
  chooser: ChooserState;
  focusRequest: FocusRequest | null;
  /** The step an execution failed at, marked on the canvas when the run log sent the user here. */
  failedStep: string | null;

  load(flowId: string, doc: FlowDocument, catalog: Catalog, positions?: Record<string, Point>): void;
  /** Records the current document as saved (clears the dirty flag). */
  markSaved(doc?: FlowDocument): void;
  document(): FlowDocument;

  setMeta(patch: Partial<DocMeta>, coalesceKey?: string): void;
  addStep(component: ComponentDescriptor, options?: { after?: string | null; branch?: boolean | null }): string;
  updateStep(id: string, update: (step: Step) => Step, coalesceKey?: string): void;
  /**
   * Puts another trigger in place of the trigger `id`, keeping its id (so
   * its edges and the `$steps` references stay), its place and its note.
   * The old config and sample described the old trigger and are dropped.
   */
  replaceTrigger(id: string, component: ComponentDescriptor): void;
  canConnect(source: string, target: string, sourceHandle?: string | null): ConnectRefusal | null;
  connect(source: string, target: string, sourceHandle?: string | null): ConnectRefusal | null;
  deleteElements(nodeIds: string[], edgeIds: string[]): void;
  deleteSelection(): void;
  onNodesChange(changes: NodeChange<StepNode>[]): void;
  onEdgesChange(changes: EdgeChange<FlowEdge>[]): void;
  beginMove(): void;
  endMove(): void;
  autoLayout(): void;
  select(stepId: string | null): void;
  undo(): void;
  redo(): void;

  openChooser(after?: string | null, branch?: boolean | null): void;
  closeChooser(): void;
  setProblems(problems: Problem[], doc: FlowDocument): void;
  clearProblems(): void;
  requestFocus(stepId: string, field: string | null): void;
  markFailed(stepId: string | null): void;
  /**
   * Mirrors a step's current sample after the core changed it (samples are
   * stored entities, not edits): the draft, the saved copy and the history
   * all take the new value, so neither dirty nor undo changes.
   */
  syncSample(stepId: string, sample: JsonValue | null): void;
}

const emptyMeta: DocMeta = { schemaVersion: 1, name: '' };

function documentJson(meta: DocMeta, nodes: StepNode[], edges: FlowEdge[]): string {
  return JSON.stringify(graphToDocument({ meta, nodes, edges }));
}

function strip(nodes: StepNode[]): StepNode[] {
  return nodes.map((n) => ({ ...n, selected: false, dragging: false }));
}

function snapshot(state: Pick<EditorState, 'meta' | 'nodes' | 'edges'>): Snapshot {
  return {
    meta: state.meta,
    nodes: strip(state.nodes),
    edges: state.edges.map((e) => ({ ...e, selected: false })),
  };
}

/** A readable, unique step id: `stp_http_request`, `stp_http_request_2`. */
export function makeStepId(title: string, taken: Set<string>): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  const root = `stp_${slug || 'step'}`;
  if (!taken.has(root)) return root;
  for (let i = 2; ; i++) if (!taken.has(`${root}_${i}`)) return `${root}_${i}`;
}

/** A unique display name: the component title, numbered when repeated. */
export function makeStepName(title: string, taken: Set<string>): string {
  if (!taken.has(title)) return title;
  for (let i = 2; ; i++) if (!taken.has(`${title} ${i}`)) return `${title} ${i}`;
}

function reaches(edges: FlowEdge[], from: string, to: string): boolean {
  const stack = [from];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of edges) if (e.source === id) stack.push(e.target);
  }
  return false;
}

function whenOf(handle: string | null | undefined): boolean | undefined {
  return handle === 'true' ? true : handle === 'false' ? false : undefined;
}

export const useEditor = create<EditorState>()((set, get) => {
  /**
   * Applies an edit: records the state before it in the history (unless it
   * continues the same coalesced edit) and recomputes the dirty flag.
   */
  const edit = (change: (s: EditorState) => Partial<EditorState>, coalesceKey?: string) => {
    set((s) => {
      const now = Date.now();
      const continues =
        coalesceKey !== undefined && s.lastEdit?.key === coalesceKey && now - s.lastEdit.at < COALESCE_MS;
      const patch = change(s);
      const meta = patch.meta ?? s.meta;
      const nodes = patch.nodes ?? s.nodes;
      const edges = patch.edges ?? s.edges;
      const past = continues ? s.past : [...s.past, snapshot(s)].slice(-HISTORY_LIMIT);
      return {
        ...patch,
        past,
        future: [],
        lastEdit: coalesceKey !== undefined ? { key: coalesceKey, at: now } : null,
        dirty: documentJson(meta, nodes, edges) !== s.savedJson,
      };
    });
  };

  const restore = (target: Snapshot, s: EditorState): Partial<EditorState> => {
    const selected = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
    const nodes = target.nodes.map((n) => (selected.has(n.id) ? { ...n, selected: true } : n));
    return {
      meta: target.meta,
      nodes,
      edges: target.edges,
      lastEdit: null,
      dirty: documentJson(target.meta, target.nodes, target.edges) !== s.savedJson,
    };
  };

  return {
    flowId: null,
    meta: emptyMeta,
    nodes: [],
    edges: [],
    catalog: {},
    savedJson: documentJson(emptyMeta, [], []),
    dirty: false,
    past: [],
    future: [],
    lastEdit: null,
    pendingMove: null,
    problems: [],
    chooser: { open: false, after: null, branch: null },
    focusRequest: null,
    failedStep: null,

    load(flowId, doc, catalog, positions) {
      const graph = documentToGraph(doc, catalog, positions);
      set({
        flowId,
        meta: graph.meta,
        nodes: graph.nodes,
        edges: graph.edges,
        catalog,
        savedJson: documentJson(graph.meta, graph.nodes, graph.edges),
        dirty: false,
        past: [],
        future: [],
        lastEdit: null,
        pendingMove: null,
        problems: [],
        chooser: { open: false, after: null, branch: null },
        focusRequest: null,
        failedStep: null,
      });
    },

    markSaved(doc) {
      const s = get();
      const json = doc ? JSON.stringify(doc) : documentJson(s.meta, s.nodes, s.edges);
      set({ savedJson: json, dirty: documentJson(s.meta, s.nodes, s.edges) !== json, lastEdit: null });
    },

    document() {
      const s = get();
      return graphToDocument({ meta: s.meta, nodes: s.nodes, edges: s.edges });
    },

    setMeta(patch, coalesceKey) {
      edit((s) => {
        const meta: Partial<DocMeta> = { ...s.meta, ...patch };
        // A setting set to undefined is no key at all, as the core writes the document.
        for (const key of Object.keys(patch) as (keyof DocMeta)[]) if (patch[key] === undefined) delete meta[key];
        return { meta: meta as DocMeta };
      }, coalesceKey);
    },

    addStep(component, options = {}) {
      const s = get();
      const ids = new Set(s.nodes.map((n) => n.id));
      const names = new Set(s.nodes.map((n) => n.data.step.name));
      const id = makeStepId(component.title, ids);
      const trigger = component.kind === 'trigger';
      const step: Step = trigger
        ? { id, component: component.id, name: makeStepName(component.title, names), config: {} }
        : { id, component: component.id, name: makeStepName(component.title, names), inputs: {} };
      const after = options.after ? s.nodes.find((n) => n.id === options.after) : undefined;
      const taken = s.nodes.map((n) => n.position);
      let position: Point;
      if (after) {
        position = freeSpot(taken, after.position);
      } else if (trigger && s.nodes.length > 0) {
        // A trigger goes left of everything.
        const left = Math.min(...taken.map((p) => p.x));
        position = freeSpot(taken, { x: left - 2 * 330, y: Math.min(...taken.map((p) => p.y)) });
      } else {
        position = freeSpot(taken, null);
      }
      const catalog = { ...s.catalog, [component.id]: component };
      const node: StepNode = { ...makeNode(step, catalog, position), selected: true };
      let edges = s.edges;
      if (after && !trigger) {
        let when: boolean | undefined;
        if (after.data.branching) {
          if (options.branch === true || options.branch === false) when = options.branch;
          else when = s.edges.some((e) => e.source === after.id && e.data?.when === true) ? false : true;
        }
        edges = [...edges, makeEdge(after.id, id, when)];
      }
      edit(() => ({
        catalog,
        nodes: [...s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), node],
        edges: edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      }));
      return id;
    },

    updateStep(id, update, coalesceKey) {
      edit(
        (s) => ({
          nodes: s.nodes.map((n) => {
            if (n.id !== id) return n;
            const step = update(n.data.step);
            return { ...n, ariaLabel: `Step ${step.name}`, data: { ...n.data, step } };
          }),
        }),
        coalesceKey === undefined ? undefined : `${id}:${coalesceKey}`,
      );
    },

    replaceTrigger(id, component) {
      edit((s) => {
        const old = s.nodes.find((n) => n.id === id);
        if (!old) return {};
        const before = old.data.step;
        const names = new Set(s.nodes.filter((n) => n.id !== id).map((n) => n.data.step.name));
        // A name the user chose is theirs; the old trigger's default title is not.
        const renamed = before.name === s.catalog[before.component]?.title || before.name === before.component;
        const step: Step = {
          id,
          component: component.id,
          name: renamed ? makeStepName(component.title, names) : before.name,
          ...(before.note ? { note: before.note } : {}),
          config: {},
        };
        const catalog = { ...s.catalog, [component.id]: component };
        const node: StepNode = { ...makeNode(step, catalog, old.position), selected: old.selected ?? false };
        return { catalog, nodes: s.nodes.map((n) => (n.id === id ? node : n)) };
      });
    },

    canConnect(source, target, sourceHandle) {
      const s = get();
      const from = s.nodes.find((n) => n.id === source);
      const to = s.nodes.find((n) => n.id === target);
      if (!from || !to) return 'unknown';
      if (source === target) return 'self';
      if (to.data.trigger) return 'into-trigger';
      const when = from.data.branching ? (whenOf(sourceHandle) ?? true) : undefined;
      if (s.edges.some((e) => e.source === source && e.target === target && e.data?.when === when)) return 'duplicate';
      if (reaches(s.edges, target, source)) return 'cycle';
      return null;
    },

    connect(source, target, sourceHandle) {
      const refusal = get().canConnect(source, target, sourceHandle);
      if (refusal) return refusal;
      const from = get().nodes.find((n) => n.id === source)!;
      const when = from.data.branching ? (whenOf(sourceHandle) ?? true) : undefined;
      edit((s) => ({ edges: [...s.edges, makeEdge(source, target, when)] }));
      return null;
    },

    deleteElements(nodeIds, edgeIds) {
      const nodes = new Set(nodeIds);
      const edges = new Set(edgeIds);
      const s = get();
      const removesNode = s.nodes.some((n) => nodes.has(n.id));
      const removesEdge = s.edges.some((e) => edges.has(e.id) || nodes.has(e.source) || nodes.has(e.target));
      if (!removesNode && !removesEdge) return;
      edit((st) => ({
        nodes: st.nodes.filter((n) => !nodes.has(n.id)),
        edges: st.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target)),
      }));
    },

    deleteSelection() {
      const s = get();
      s.deleteElements(
        s.nodes.filter((n) => n.selected).map((n) => n.id),
        s.edges.filter((e) => e.selected).map((e) => e.id),
      );
    },

    onNodesChange(changes) {
      // Removal goes through deleteElements (one undo step for nodes and
      // their edges); the rest (selection, dragging, measuring) is view state.
      const kept = changes.filter((c) => c.type !== 'remove' && c.type !== 'add' && c.type !== 'replace');
      if (kept.length === 0) return;
      set((s) => ({ nodes: applyNodeChanges(kept, s.nodes) }));
    },

    onEdgesChange(changes) {
      const kept = changes.filter((c) => c.type === 'select');
      if (kept.length === 0) return;
      set((s) => ({ edges: applyEdgeChanges(kept, s.edges) }));
    },

    beginMove() {
      set((s) => ({ pendingMove: snapshot(s) }));
    },

    endMove() {
      set((s) => {
        const before = s.pendingMove;
        if (!before) return {};
        const moved = s.nodes.some((n) => {
          const old = before.nodes.find((o) => o.id === n.id);
          return old && (old.position.x !== n.position.x || old.position.y !== n.position.y);
        });
        if (!moved) return { pendingMove: null };
        return { pendingMove: null, past: [...s.past, before].slice(-HISTORY_LIMIT), future: [], lastEdit: null };
      });
    },

    autoLayout() {
      edit((s) => {
        const positions = layeredLayout(
          s.nodes.map((n) => n.id),
          s.edges.map((e) => ({ source: e.source, target: e.target })),
        );
        return { nodes: s.nodes.map((n) => ({ ...n, position: positions[n.id] ?? n.position })) };
      });
    },

    select(stepId) {
      set((s) => ({
        nodes: s.nodes.map((n) => {
          const selected = n.id === stepId;
          return n.selected === selected ? n : { ...n, selected };
        }),
        edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)),
      }));
    },

    undo() {
      set((s) => {
        const previous = s.past[s.past.length - 1];
        if (!previous) return {};
        return { ...restore(previous, s), past: s.past.slice(0, -1), future: [snapshot(s), ...s.future] };
      });
    },

    redo() {
      set((s) => {
        const next = s.future[0];
        if (!next) return {};
        return { ...restore(next, s), past: [...s.past, snapshot(s)], future: s.future.slice(1) };
      });
    },

    openChooser(after = null, branch = null) {
      set({ chooser: { open: true, after, branch } });
    },

    closeChooser() {
      set({ chooser: { open: false, after: null, branch: null } });
    },

    setProblems(problems, doc) {
      set({ problems: locateProblems(problems, doc) });
    },

    clearProblems() {
      set({ problems: [] });
    },

    syncSample(stepId, sample) {
      const patchStep = (step: Step): Step => {
        const { sample: _old, ...rest } = step;
        return sample === null ? rest : { ...rest, sample };
      };
      const patchNodes = (nodes: StepNode[]) =>
        nodes.map((n) => (n.id === stepId ? { ...n, data: { ...n.data, step: patchStep(n.data.step) } } : n));
      const patchSnapshot = (snap: Snapshot): Snapshot => ({ ...snap, nodes: patchNodes(snap.nodes) });
      set((s) => {
        if (!s.nodes.some((n) => n.id === stepId)) return {};
        let savedJson = s.savedJson;
        try {
          const saved = JSON.parse(s.savedJson) as FlowDocument;
          saved.steps = saved.steps.map((step) => (step.id === stepId ? patchStep(step) : step));
          savedJson = JSON.stringify(saved);
        } catch {
          // keep the saved copy as it was
        }
        const nodes = patchNodes(s.nodes);
        return {
          nodes,
          savedJson,
          past: s.past.map(patchSnapshot),
          future: s.future.map(patchSnapshot),
          dirty: documentJson(s.meta, nodes, s.edges) !== savedJson,
        };
      });
    },

    requestFocus(stepId, field) {
      set((s) => ({ focusRequest: { stepId, field, seq: (s.focusRequest?.seq ?? 0) + 1 } }));
    },

    markFailed(stepId) {
      set({ failedStep: stepId });
    },
  };
});

/** The one selected step's id, or null when none or several are selected. */
export function selectedStepId(state: Pick<EditorState, 'nodes'>): string | null {
  let found: string | null = null;
  for (const n of state.nodes) {
    if (n.selected) {
      if (found) return null;
      found = n.id;
    }
  }
  return found;
}

/** Whether the graph has a trigger step. */
export function hasTrigger(state: Pick<EditorState, 'nodes'>): boolean {
  return state.nodes.some((n) => n.data.trigger);
}
