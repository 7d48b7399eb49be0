/**
 * Problem paths (`steps[1].inputs["url"]`, `steps[0].config.slug`,
 * `edges[2].when`) turned into something the designer can point at.
 */
import type { FlowDocument } from '../bindings/FlowDocument';
import type { Problem } from '../bindings/Problem';

export type ProblemArea = 'inputs' | 'config' | 'credential' | 'step' | 'edge' | 'flow';

export interface ProblemTarget {
  area: ProblemArea;
  stepIndex?: number;
  edgeIndex?: number;
  /** The input key or config property, when the path or message names one. */
  field?: string;
  /** For a problem of a declared field (`steps[1].fields[0]`): its index in `fields`. */
  declared?: number;
}

/** Reads a problem path; the message helps when the path stops at `inputs`. */
export function parseProblemPath(path: string, message = ''): ProblemTarget {
  const step = /^steps\[(\d+)\](.*)$/.exec(path);
  if (step) {
    const stepIndex = Number(step[1]);
    const rest = step[2] ?? '';
    const input = /^\.inputs\["((?:[^"\\]|\\.)*)"\]/.exec(rest);
    if (input) return { area: 'inputs', stepIndex, field: JSON.parse(`"${input[1]}"`) as string };
    if (rest.startsWith('.inputs')) {
      const named = /required input ([^\s,;]+)/.exec(message);
      return named ? { area: 'inputs', stepIndex, field: named[1] } : { area: 'inputs', stepIndex };
    }
    if (rest.startsWith('.config')) {
      const field = /^\.config\.([^.[]+)/.exec(rest)?.[1] ?? /"([^"]+)" is a required property/.exec(message)?.[1];
      return field ? { area: 'config', stepIndex, field } : { area: 'config', stepIndex };
    }
    if (rest.startsWith('.credential')) return { area: 'credential', stepIndex, field: 'credential' };
    const declared = /^\.fields\[(\d+)\]/.exec(rest);
    if (declared) return { area: 'inputs', stepIndex, declared: Number(declared[1]) };
    return { area: 'step', stepIndex };
  }
  const edge = /^edges\[(\d+)\]/.exec(path);
  if (edge) return { area: 'edge', edgeIndex: Number(edge[1]) };
  return { area: 'flow' };
}

/** A problem tied to the step (by id) it is about, in the document it was found in. */
export interface LocatedProblem extends Problem {
  target: ProblemTarget;
  stepId: string | null;
  edge: { from: string; to: string } | null;
}

export function locateProblems(problems: Problem[], doc: FlowDocument): LocatedProblem[] {
  return problems.map((problem) => {
    let target = parseProblemPath(problem.path, problem.message);
    const step = target.stepIndex !== undefined ? doc.steps[target.stepIndex] : undefined;
    // A declared field's problem is shown on that field.
    const declared = target.declared !== undefined ? step?.fields?.[target.declared]?.field : undefined;
    if (declared !== undefined) target = { ...target, field: declared };
    const edge = target.edgeIndex !== undefined ? doc.edges[target.edgeIndex] : undefined;
    return {
      ...problem,
      target,
      stepId: step?.id ?? null,
      edge: edge ? { from: edge.from, to: edge.to } : null,
    };
  });
}

/** The `data-field` attribute value of the panel element a target points at. */
export function fieldAttribute(target: ProblemTarget): string | null {
  if (target.area === 'credential') return 'credential';
  if ((target.area === 'inputs' || target.area === 'config') && target.field) return `${target.area}:${target.field}`;
  return null;
}
