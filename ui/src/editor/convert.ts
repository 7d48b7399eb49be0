/**
 * The flow document (what the core stores) and the canvas graph (what the
 * editor edits) converted into each other. Positions are not part of the
 * document; they come from the layout or from what the user arranged.
 */
import type { Edge as CanvasEdge, Node } from '@xyflow/react';

import type { ComponentDescriptor } from '../bindings/ComponentDescriptor';
import type { Edge as FlowEdgeDoc } from '../bindings/Edge';
import type { FlowDocument } from '../bindings/FlowDocument';
import type { Step } from '../bindings/Step';
import { layeredLayout, type Point } from '../lib/layout';

export interface StepNodeData extends Record<string, unknown> {
  step: Step;
  /** The component starts the flow (no incoming handle). */
  trigger: boolean;
  /** The component chooses a branch: two outgoing handles, true and false. */
  branching: boolean;
}

export type StepNode = Node<StepNodeData, 'step'>;

export interface FlowEdgeData extends Record<string, unknown> {
  when?: boolean;
}

export type FlowEdge = CanvasEdge<FlowEdgeData, 'step'>;

/** The document without its graph: kept as-is through edits. */
export type DocMeta = Omit<FlowDocument, 'steps' | 'edges'>;

export type Catalog = Record<string, ComponentDescriptor>;

export function catalogOf(list: ComponentDescriptor[]): Catalog {
  return Object.fromEntries(list.map((c) => [c.id, c]));
}

/** The handle an edge leaves from: `true`/`false` out of a branching step. */
export function handleFor(when: boolean | null | undefined): string {
  return when === true ? 'true' : when === false ? 'false' : 'out';
}

export function edgeId(from: string, to: string, when: boolean | null | undefined): string {
  return `${from}->${to}${when === true ? ':true' : when === false ? ':false' : ''}`;
}

export function makeEdge(from: string, to: string, when: boolean | null | undefined): FlowEdge {
  const edge: FlowEdge = {
    id: edgeId(from, to, when),
    type: 'step',
    source: from,
    target: to,
    sourceHandle: handleFor(when),
    targetHandle: 'in',
    data: {},
  };
  if (when === true || when === false) edge.data = { when };
  return edge;
}

export function makeNode(step: Step, catalog: Catalog, position: Point): StepNode {
  const component = catalog[step.component];
  return {
    id: step.id,
    type: 'step',
    position,
    ariaLabel: `Step ${step.name}`,
    data: { step, trigger: component?.kind === 'trigger', branching: component?.branching === true },
  };
}

export interface Graph {
  meta: DocMeta;
  nodes: StepNode[];
  edges: FlowEdge[];
}

/** Document → canvas graph; steps without a known position are laid out. */
export function documentToGraph(doc: FlowDocument, catalog: Catalog, positions?: Record<string, Point>): Graph {
  const { steps, edges, ...meta } = doc;
  const complete = positions && steps.every((s) => positions[s.id]);
  const placed = complete
    ? positions
    : layeredLayout(
        steps.map((s) => s.id),
        edges.map((e) => ({ source: e.from, target: e.to })),
      );
  return {
    meta,
    nodes: steps.map((step) => makeNode(step, catalog, { ...(placed[step.id] ?? { x: 0, y: 0 }) })),
    edges: edges.map((e) => makeEdge(e.from, e.to, e.when)),
  };
}

/** A step as the document keeps it: only set fields, in a stable order. */
export function cleanStep(step: Step, trigger: boolean): Step {
  const clean: Step = { id: step.id, component: step.component, name: step.name };
  if (step.note) clean.note = step.note;
  if (step.config !== undefined && step.config !== null) clean.config = step.config;
  // An action's config or a trigger's inputs are kept as written, so the
  // validator can point at them instead of the editor dropping them.
  if (step.inputs !== undefined && (!trigger || Object.keys(step.inputs).length > 0)) clean.inputs = step.inputs;
  if (step.fields !== undefined && step.fields.length > 0) clean.fields = step.fields;
  if (step.credential) clean.credential = step.credential;
  if (step.sample !== undefined && step.sample !== null) clean.sample = step.sample;
  if (step.retry) clean.retry = step.retry;
  if (step.continueOnError) clean.continueOnError = true;
  return clean;
}

/** Canvas graph → document, steps in node order and edges in edge order. */
export function graphToDocument(graph: Graph): FlowDocument {
  const steps = graph.nodes.map((node) => cleanStep(node.data.step, node.data.trigger));
  const edges: FlowEdgeDoc[] = graph.edges.map((edge) => {
    const doc: FlowEdgeDoc = { from: edge.source, to: edge.target };
    if (edge.data?.when === true || edge.data?.when === false) doc.when = edge.data.when;
    return doc;
  });
  return { ...graph.meta, steps, edges };
}
