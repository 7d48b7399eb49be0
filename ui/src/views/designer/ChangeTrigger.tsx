/**
 * Replacing a flow's trigger from its step panel. The step keeps its id, so
 * its edges stay; before the switch, mappings that read trigger fields the
 * new trigger does not produce are named and the user confirms.
 */
import { useState } from 'react';

import type { ComponentDescriptor } from '../../bindings/ComponentDescriptor';
import { useEditor } from '../../editor/store';
import { confirmAction } from '../../lib/confirm';
import { useComponents } from '../../lib/queries';
import { producedFields, readsBrokenBy, type BrokenRead } from '../../lib/triggerChange';
import { ComponentChooser } from './ComponentChooser';

/** The warning's text: each step with the inputs and paths it would lose. */
export function describeBrokenReads(next: ComponentDescriptor, broken: BrokenRead[]): string {
  const byStep = new Map<string, string[]>();
  for (const read of broken) {
    const lines = byStep.get(read.stepName) ?? [];
    lines.push(`${read.input} reads ${read.path}`);
    byStep.set(read.stepName, lines);
  }
  const steps = [...byStep].map(([name, lines]) => `${name}: ${lines.join(', ')}`).join('; ');
  const fields = [...producedFields(next)].join(', ');
  return (
    `${next.title} does not produce what these mappings read — ${steps}. ` +
    `Its output has ${fields || 'no fields'}; the mappings will yield nothing until you change them.`
  );
}

export function ChangeTrigger({ stepId, current }: { stepId: string; current: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="btn btn-small" onClick={() => setOpen(true)}>
        Change trigger…
      </button>
      {open && <TriggerChooser stepId={stepId} current={current} onClose={() => setOpen(false)} />}
    </>
  );
}

function TriggerChooser({ stepId, current, onClose }: { stepId: string; current: string; onClose: () => void }) {
  const components = useComponents();
  if (!components.data) return null;
  const pick = async (next: ComponentDescriptor) => {
    onClose();
    if (next.id === current) return;
    const editor = useEditor.getState();
    const broken = readsBrokenBy(editor.document().steps, stepId, next);
    if (broken.length > 0) {
      const ok = await confirmAction({
        title: `Change the trigger to ${next.title}?`,
        message: describeBrokenReads(next, broken),
        confirmLabel: 'Change trigger',
        danger: true,
      });
      if (!ok) return;
    }
    useEditor.getState().replaceTrigger(stepId, next);
  };
  return (
    <ComponentChooser
      components={components.data.filter((c) => c.id !== current)}
      hasTrigger={false}
      onPick={(next) => void pick(next)}
      onClose={onClose}
    />
  );
}
