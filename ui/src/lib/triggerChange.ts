/**
 * What changing a flow's trigger would break: the mappings of later steps
 * that read a trigger field the new trigger does not produce. The fields a
 * trigger produces are the top-level fields of its descriptor's example
 * output (what sits under them, a webhook's body or an event's payload, is
 * the caller's to choose, so only the top level is a promise).
 */
import type { ComponentDescriptor } from '../bindings/ComponentDescriptor';
import type { Step } from '../bindings/Step';
import { triggerReads } from './jsonata';
import { buildSourceTree } from './sampleTree';

/** One mapped input that reads a field the new trigger lacks. */
export interface BrokenRead {
  stepId: string;
  stepName: string;
  /** The input's key, such as `url` or `body.name`. */
  input: string;
  /** The trigger path as written, `$trigger.body.x` for `body.x` too. */
  path: string;
}

/** The top-level fields a trigger's output has, as the mapping editor's source tree shows them. */
export function producedFields(trigger: ComponentDescriptor): Set<string> {
  const tree = buildSourceTree('$trigger', trigger.title, {}, trigger.exampleOutput ?? undefined);
  return new Set(tree.children.map((child) => child.label));
}

/** Every mapped input of `steps` (the trigger aside) that reads a field `next` does not produce. */
export function readsBrokenBy(steps: Step[], triggerId: string, next: ComponentDescriptor): BrokenRead[] {
  const produced = producedFields(next);
  const broken: BrokenRead[] = [];
  for (const step of steps) {
    if (step.id === triggerId) continue;
    for (const [input, source] of Object.entries(step.inputs ?? {})) {
      if (!('expr' in source)) continue;
      for (const read of triggerReads(source.expr)) {
        if (!produced.has(read.field)) broken.push({ stepId: step.id, stepName: step.name, input, path: read.path });
      }
    }
  }
  return broken;
}
