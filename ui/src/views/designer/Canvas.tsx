import {
  Background,
  BackgroundVariant,
  Controls,
  MarkerType,
  Panel,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type OnBeforeDelete,
} from '@xyflow/react';
import { useCallback, useState } from 'react';

import type { FlowEdge, StepNode } from '../../editor/convert';
import { hasTrigger, useEditor } from '../../editor/store';
import { toast } from '../../lib/toast';
import { NODE_WIDTH } from '../../lib/layout';
import { Network, Plus, Redo2, Trash2, Undo2 } from '../../lib/uiIcons';
import { edgeTypes, nodeTypes } from './canvasParts';

const defaultEdgeOptions = { type: 'step', markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 } };
const fitViewOptions = { padding: 0.25, maxZoom: 1.1 };
const deleteKeys = ['Delete', 'Backspace'];
/** Wider flows open on their first columns at a readable zoom, not shrunk to fit. */
const READABLE_WIDTH = 1800;

function initialFit(nodes: StepNode[]) {
  if (nodes.length === 0) return fitViewOptions;
  const xs = nodes.map((n) => n.position.x);
  const left = Math.min(...xs);
  if (Math.max(...xs) + NODE_WIDTH - left <= READABLE_WIDTH) return fitViewOptions;
  return {
    ...fitViewOptions,
    nodes: nodes.filter((n) => n.position.x + NODE_WIDTH - left <= READABLE_WIDTH).map((n) => ({ id: n.id })),
  };
}

const REFUSALS: Record<string, string> = {
  self: 'A step cannot connect to itself',
  'into-trigger': 'Nothing can lead into the trigger',
  duplicate: 'These steps are already connected',
  cycle: 'That connection would make a loop; flows run one way',
};

export function Canvas() {
  const nodes = useEditor((s) => s.nodes);
  const edges = useEditor((s) => s.edges);
  const onNodesChange = useEditor((s) => s.onNodesChange);
  const onEdgesChange = useEditor((s) => s.onEdgesChange);
  const beginMove = useEditor((s) => s.beginMove);
  const endMove = useEditor((s) => s.endMove);
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const hasSelection = useEditor((s) => s.nodes.some((n) => n.selected) || s.edges.some((e) => e.selected));
  const triggerPresent = useEditor(hasTrigger);
  const { fitView } = useReactFlow();
  // Computed once, for the view the flow opens with.
  const [openingFit] = useState(() => initialFit(useEditor.getState().nodes));

  const isValidConnection = useCallback((c: Connection | Edge) => {
    return useEditor.getState().canConnect(c.source, c.target, c.sourceHandle ?? null) === null;
  }, []);

  const onConnect = useCallback((c: Connection) => {
    const refusal = useEditor.getState().connect(c.source, c.target, c.sourceHandle ?? null);
    if (refusal && refusal !== 'unknown') toast.info(REFUSALS[refusal] ?? 'Cannot connect these steps');
  }, []);

  // Deletion (Delete/Backspace or the buttons) goes through the store as one
  // undoable edit; React Flow's own removal is cancelled.
  const onBeforeDelete: OnBeforeDelete<StepNode, FlowEdge> = useCallback(async ({ nodes: n, edges: e }) => {
    useEditor.getState().deleteElements(
      n.map((x) => x.id),
      e.map((x) => x.id),
    );
    return false;
  }, []);

  const editor = useEditor.getState;

  return (
    <div className="canvas" data-testid="canvas">
      <ReactFlow<StepNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        defaultEdgeOptions={defaultEdgeOptions}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onNodeDragStart={beginMove}
        onNodeDragStop={endMove}
        onBeforeDelete={onBeforeDelete}
        deleteKeyCode={deleteKeys}
        fitView
        fitViewOptions={openingFit}
        minZoom={0.2}
        maxZoom={2}
        snapToGrid
        snapGrid={[10, 10]}
        aria-label="Flow canvas"
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1} />
        <Controls showInteractive={false} position="bottom-left" fitViewOptions={fitViewOptions} />
        <Panel position="top-left" className="canvas-toolbar" aria-label="Canvas tools">
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              const s = editor();
              const selected = s.nodes.filter((x) => x.selected);
              s.openChooser(selected.length === 1 ? selected[0]!.id : null);
            }}
          >
            <Plus size={15} aria-hidden="true" /> {triggerPresent ? 'Add step' : 'Add trigger'}
          </button>
          <span className="toolbar-sep" aria-hidden="true" />
          <button
            type="button"
            className="icon-btn"
            aria-label="Undo"
            title="Undo (Ctrl+Z)"
            disabled={!canUndo}
            onClick={() => editor().undo()}
          >
            <Undo2 size={16} aria-hidden="true" />
          </button>
          <button
            type="button"
            className="icon-btn"
            aria-label="Redo"
            title="Redo (Ctrl+Shift+Z)"
            disabled={!canRedo}
            onClick={() => editor().redo()}
          >
            <Redo2 size={16} aria-hidden="true" />
          </button>
          <span className="toolbar-sep" aria-hidden="true" />
          <button
            type="button"
            className="icon-btn"
            aria-label="Auto-layout"
            title="Arrange steps left to right"
            disabled={nodes.length === 0}
            onClick={() => {
              editor().autoLayout();
              requestAnimationFrame(() => void fitView({ ...fitViewOptions, duration: 200 }));
            }}
          >
            <Network size={16} aria-hidden="true" />
          </button>
          <button
            type="button"
            className="icon-btn icon-btn-danger"
            aria-label="Delete selection"
            title="Delete the selected steps and connections (Delete)"
            disabled={!hasSelection}
            onClick={() => editor().deleteSelection()}
          >
            <Trash2 size={16} aria-hidden="true" />
          </button>
        </Panel>
      </ReactFlow>
      {nodes.length === 0 && (
        <div className="canvas-empty">
          <p>Every flow starts with a trigger: a webhook, a manual run…</p>
          <button type="button" className="btn btn-primary" onClick={() => editor().openChooser(null)}>
            <Plus size={16} aria-hidden="true" /> Add trigger
          </button>
        </div>
      )}
    </div>
  );
}
