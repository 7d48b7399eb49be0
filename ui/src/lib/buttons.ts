/**
 * Buttons as the Launcher sees them: which Buttons go where (toolbar,
 * launcher list, an item's menu), a Button's form as run fields with their
 * starting values, and its selection rule. The core checks a press again
 * (crates/api/src/buttons.rs); these checks only say so before it is sent.
 */
import type { ButtonView } from '../bindings/ButtonView';
import type { FolderEntry } from '../bindings/FolderEntry';
import type { Placement } from '../bindings/Placement';
import type { Selection } from '../bindings/Selection';
import type { JsonValue } from '../bindings/serde_json/JsonValue';
import type { RunField, RunValues } from './parameters';

/** The Buttons shown at `placement`, in the core's order. */
export function placedAt(buttons: ButtonView[], placement: Placement): ButtonView[] {
  return buttons.filter((b) => b.placement.includes(placement));
}

/** A picked file or folder. */
export interface Picked {
  path: string;
  name: string;
  folder: boolean;
}

/** The Button's editable parameters as run fields; their starting value is the preset or default. */
export function editableFields(button: ButtonView): RunField[] {
  return button.fields
    .filter((f) => f.editable)
    .map((f): RunField => {
      const field: RunField = { name: f.name, title: f.name, type: f.type, required: f.required, source: 'parameter' };
      if (f.description) field.description = f.description;
      return field;
    });
}

/** What the form starts with: each editable field's preset or default. */
export function startingValues(button: ButtonView): RunValues {
  return Object.fromEntries(
    button.fields
      .filter((f) => f.editable)
      .map((f) => [f.name, f.value === null ? (f.type === 'boolean' ? false : undefined) : f.value]),
  );
}

/**
 * The values a press sends for the editable fields: those the form has; an
 * emptied one is sent as `null`, so the parameter's default applies instead
 * of the preset.
 */
export function pressValues(button: ButtonView, values: RunValues): Record<string, JsonValue> {
  const sent: Record<string, JsonValue> = {};
  for (const field of button.fields.filter((f) => f.editable)) {
    const value = values[field.name];
    sent[field.name] = value === undefined ? null : value;
  }
  return sent;
}

const WHAT: Record<Exclude<Selection['pick'], 'none'>, string> = {
  files: 'file',
  folders: 'folder',
  both: 'file or folder',
};

/** Whether the rule takes an item named `name` (a folder when `folder`), as the core decides it. */
export function admits(selection: Selection, name: string, folder: boolean): boolean {
  if (selection.pick === 'none') return false;
  if (folder) return selection.pick !== 'files';
  if (selection.pick === 'folders') return false;
  if (selection.extensions.length === 0) return true;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return false;
  const extension = name.slice(dot + 1).toLowerCase();
  return selection.extensions.some((e) => e.replace(/^\./, '').toLowerCase() === extension);
}

/** Why `count` picked items cannot be sent, or null. */
export function countProblem(selection: Selection, count: number): string | null {
  if (selection.pick === 'none') return null;
  const what = WHAT[selection.pick];
  if (count === 0 && selection.required) return `Pick a ${what} first`;
  if (count > 1 && !selection.multiple) return `Pick one ${what} only`;
  return null;
}

/** The picker's title: "Pick a file", "Pick folders". */
export function pickerTitle(selection: Selection): string {
  if (selection.pick === 'none') return '';
  const what = WHAT[selection.pick];
  return selection.multiple ? `Pick ${what}s` : `Pick a ${what}`;
}

/** The rule in words, under the picker's title. */
export function ruleText(selection: Selection): string {
  const parts: string[] = [];
  if (selection.extensions.length > 0 && selection.pick !== 'folders') {
    parts.push(`Files ending in ${selection.extensions.map((e) => `.${e.replace(/^\./, '')}`).join(', ')}.`);
  }
  parts.push(selection.multiple ? 'Several items may be picked.' : 'One item only.');
  parts.push(selection.required ? 'Picking is required.' : 'Picking is optional.');
  return parts.join(' ');
}

/** Whether `path` is one of `folders` or lies inside one. */
export function inside(folders: string[], path: string): boolean {
  return folders.some((root) => path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`));
}

/**
 * The Buttons an item's menu offers: placed in the context menu, their
 * folders hold the item and their rule takes it; never the Button whose
 * picker lists the item.
 */
export function contextButtons(buttons: ButtonView[], entry: FolderEntry, current: ButtonView | null): ButtonView[] {
  return placedAt(buttons, 'context menu').filter(
    (b) =>
      b.flowId !== current?.flowId && inside(b.folders, entry.path) && admits(b.selection, entry.name, entry.folder),
  );
}

/** Ticks or unticks an item: one item only replaces the last one. */
export function togglePicked(selection: Selection, picked: Picked[], item: Picked, on: boolean): Picked[] {
  const others = picked.filter((p) => p.path !== item.path);
  if (!on) return others;
  return selection.multiple ? [...others, item] : [item];
}
