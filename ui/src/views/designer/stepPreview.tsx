/**
 * The core's preview of a step's mapped inputs, as the step panel and the
 * mapping editor both show it: the same query (so one request serves both)
 * and the same words for a field the core flags.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';

import type { FieldPreview } from '../../api';
import type { FlowDocument } from '../../bindings/FlowDocument';
import { graphToDocument } from '../../editor/convert';
import { useEditor } from '../../editor/store';
import { useApi } from '../../lib/apiContext';
import { keys } from '../../lib/queries';
import { TriangleAlert } from '../../lib/uiIcons';

/** The draft as a document, recomputed only when the graph changes. */
export function useDraftDocument(): FlowDocument {
  const meta = useEditor((s) => s.meta);
  const nodes = useEditor((s) => s.nodes);
  const edges = useEditor((s) => s.edges);
  return useMemo(() => graphToDocument({ meta, nodes, edges }), [meta, nodes, edges]);
}

/** The core's preview of a step, a moment (150 ms) after the draft stops changing. */
export function useStepPreview(
  flowId: string,
  stepId: string,
  doc: FlowDocument,
  sample: number | null,
  enabled: boolean,
) {
  const api = useApi();
  const json = JSON.stringify(doc);
  const [settled, setSettled] = useState(json);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(json), 150);
    return () => clearTimeout(timer);
  }, [json]);
  return useQuery({
    queryKey: [...keys.previewsOfFlow(flowId), stepId, sample, settled],
    queryFn: () => api.previewStep(flowId, stepId, { sample, document: JSON.parse(settled) as FlowDocument }),
    placeholderData: keepPreviousData,
    enabled,
    retry: false,
  });
}

export const FLAG_LABEL: Record<Exclude<FieldPreview['check'], 'ok'>, string> = {
  type_mismatch: 'Type mismatch',
  missing_required: 'Required',
  unknown_step: 'Unknown step',
  error: 'Error',
  empty: 'Maps to nothing',
};

/**
 * What the core flags about a mapped field (a path that yields nothing, a
 * wrong type), shown beside the field as it is typed: a typo is seen where it
 * is made, with the path it most likely meant.
 */
export function FieldFlag({ preview }: { preview: FieldPreview | undefined }) {
  if (!preview?.source || preview.check === 'ok') return null;
  return (
    <p className="field-error field-flag" data-testid="field-flag" data-check={preview.check} role="status">
      <TriangleAlert size={13} aria-hidden="true" /> {FLAG_LABEL[preview.check]}
      {preview.message ? `: ${preview.message}` : ''}
    </p>
  );
}
