/**
 * Custom canvas node and edge. Both are memoised and registered through
 * module-level `nodeTypes`/`edgeTypes`, so React Flow never sees new types.
 */
import {
  BaseEdge,
  EdgeLabelRenderer,
  Handle,
  Position,
  getBezierPath,
  type EdgeProps,
  type NodeProps,
} from '@xyflow/react';
import { memo } from 'react';

import type { FlowEdge, StepNode } from '../../editor/convert';
import { useEditor } from '../../editor/store';
import { ComponentIcon } from '../../lib/icons';
import { CircleX, Plus, TriangleAlert, X } from '../../lib/uiIcons';

function AddButton({ stepId, name, branch }: { stepId: string; name: string; branch: boolean | null }) {
  const openChooser = useEditor((s) => s.openChooser);
  const handle = branch === null ? 'out' : String(branch);
  const connected = useEditor((s) => s.edges.some((e) => e.source === stepId && e.sourceHandle === handle));
  const label = branch === null ? `Add step after ${name}` : `Add step after ${name} (${branch})`;
  return (
    <button
      type="button"
      className={`node-add nodrag nopan${branch === null ? '' : ` node-add-${branch}`}${connected ? ' connected' : ''}`}
      aria-label={label}
      title={label}
      onClick={(e) => {
        e.stopPropagation();
        openChooser(stepId, branch);
      }}
    >
      <Plus size={14} aria-hidden="true" />
    </button>
  );
}

export const StepNodeView = memo(function StepNodeView({ id, data, selected }: NodeProps<StepNode>) {
  const component = useEditor((s) => s.catalog[data.step.component]);
  const problemCount = useEditor((s) => s.problems.reduce((n, p) => (p.stepId === id ? n + 1 : n), 0));
  const failedHere = useEditor((s) => s.failedStep === id);
  const { step, trigger, branching } = data;
  return (
    <div
      className={`step-node${trigger ? ' step-node-trigger' : ''}${branching ? ' step-node-branching' : ''}${selected ? ' selected' : ''}${problemCount > 0 ? ' has-problem' : ''}${failedHere ? ' failed-here' : ''}`}
      data-testid="step-node"
      data-step-id={id}
      data-failed={failedHere ? 'true' : undefined}
    >
      {!trigger && <Handle type="target" position={Position.Left} id="in" className="handle" />}
      <span className="step-node-icon">
        <ComponentIcon name={component?.icon ?? ''} size={18} />
      </span>
      <span className="step-node-text">
        <span className="step-node-kind">
          {trigger ? `Trigger · ${component?.title ?? step.component}` : (component?.title ?? step.component)}
        </span>
        <span className="step-node-name">{step.name}</span>
      </span>
      {failedHere && (
        <span className="step-node-failed" data-testid="step-node-failed">
          <CircleX size={12} aria-hidden="true" /> failed here
        </span>
      )}
      {problemCount > 0 && (
        <span className="step-node-problem" title={`${problemCount} problem${problemCount === 1 ? '' : 's'}`}>
          <TriangleAlert size={14} aria-hidden="true" />
        </span>
      )}
      {branching ? (
        <>
          <Handle
            type="source"
            position={Position.Right}
            id="true"
            className="handle handle-true"
            style={{ top: '30%' }}
          />
          <span className="handle-label handle-label-true" aria-hidden="true">
            true
          </span>
          <Handle
            type="source"
            position={Position.Right}
            id="false"
            className="handle handle-false"
            style={{ top: '70%' }}
          />
          <span className="handle-label handle-label-false" aria-hidden="true">
            false
          </span>
          <AddButton stepId={id} name={step.name} branch={true} />
          <AddButton stepId={id} name={step.name} branch={false} />
        </>
      ) : (
        <>
          <Handle type="source" position={Position.Right} id="out" className="handle" />
          <AddButton stepId={id} name={step.name} branch={null} />
        </>
      )}
    </div>
  );
});

export const StepEdgeView = memo(function StepEdgeView({
  id,
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
  data,
  selected,
  markerEnd,
}: EdgeProps<FlowEdge>) {
  const deleteElements = useEditor((s) => s.deleteElements);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const when = data?.when;
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        className={`step-edge${selected ? ' selected' : ''}${when === false ? ' edge-false' : when === true ? ' edge-true' : ''}`}
      />
      {(when !== undefined || selected) && (
        <EdgeLabelRenderer>
          <div
            className="edge-label nodrag nopan"
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
          >
            {when !== undefined && <span className={`edge-when edge-when-${String(when)}`}>{String(when)}</span>}
            {selected && (
              <button
                type="button"
                className="edge-delete"
                aria-label="Delete connection"
                title="Delete connection"
                onClick={() => deleteElements([], [id])}
              >
                <X size={12} aria-hidden="true" />
              </button>
            )}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
});

export const nodeTypes = { step: StepNodeView };
export const edgeTypes = { step: StepEdgeView };
