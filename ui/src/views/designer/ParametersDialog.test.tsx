import { fireEvent, render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import type { FlowDocument } from '../../bindings/FlowDocument';
import { catalogOf } from '../../editor/convert';
import { useEditor } from '../../editor/store';
import { builtInComponents } from '../../test/components';
import { ParametersDialog } from './ParametersDialog';

const saved: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_orders',
  name: 'Orders',
  parameters: [{ name: 'limit', type: 'integer', default: 100, overridable: true }],
  steps: [{ id: 'stp_run', component: 'manual', name: 'Run', config: {} }],
  edges: [],
};

const editor = () => useEditor.getState();
const parameters = () => editor().document().parameters;
const rows = () => screen.getAllByTestId('parameter-row');
const row = (i: number) => within(rows()[i]!);

beforeEach(() => {
  editor().load('flw_orders', saved, catalogOf(builtInComponents));
  // The dialog edits nothing the core answers: no platform is needed.
  render(<ParametersDialog onClose={() => undefined} />);
});

describe('the flow parameters panel', () => {
  it('shows each parameter with its type, default and marks', () => {
    expect(rows()).toHaveLength(1);
    expect((row(0).getByLabelText('Name') as HTMLInputElement).value).toBe('limit');
    expect((row(0).getByLabelText('Type') as HTMLSelectElement).value).toBe('integer');
    expect((row(0).getByLabelText('Default') as HTMLInputElement).value).toBe('100');
    expect(row(0).getByRole('checkbox', { name: 'Overridable' })).toHaveProperty('checked', true);
    expect(row(0).getByRole('checkbox', { name: 'Required' })).toHaveProperty('checked', false);
  });

  it('adds, types and describes a parameter in the draft, as an edit that marks it unsaved and undoes', () => {
    fireEvent.click(screen.getByRole('button', { name: 'Add parameter' }));
    expect(rows()).toHaveLength(2);
    expect(row(1).getByText('Give the parameter a name'), 'a new parameter asks for its name').toBeTruthy();
    fireEvent.change(row(1).getByLabelText('Name'), { target: { value: 'dryRun' } });
    fireEvent.change(row(1).getByLabelText('Type'), { target: { value: 'boolean' } });
    fireEvent.change(row(1).getByLabelText('Default'), { target: { value: 'true' } });
    fireEvent.click(row(1).getByRole('checkbox', { name: 'Required' }));
    fireEvent.change(row(1).getByLabelText('Description'), { target: { value: 'change nothing' } });
    expect(parameters()).toEqual([
      saved.parameters![0],
      {
        name: 'dryRun',
        type: 'boolean',
        default: true,
        required: true,
        overridable: false,
        description: 'change nothing',
      },
    ]);
    expect(editor().dirty).toBe(true);
    expect(screen.queryByText(/needs a default/), 'a required parameter with a default is fine').toBeNull();

    fireEvent.change(row(1).getByLabelText('Default'), { target: { value: '' } });
    expect(parameters()![1]!.default, 'no default is null, as the core keeps it').toBeNull();
    expect(row(1).getByText(/A required parameter needs a default, or must be overridable/)).toBeTruthy();

    // Each kind of change is its own undo step; the whole addition undoes to the saved draft.
    while (editor().past.length > 0) editor().undo();
    expect(parameters()).toEqual(saved.parameters);
    expect(editor().dirty).toBe(false);
  });

  it('flags names that $params cannot read and names used twice', () => {
    fireEvent.change(row(0).getByLabelText('Name'), { target: { value: 'max-items' } });
    expect(row(0).getByRole('status').textContent).toContain('Use letters, digits and _');
    expect(row(0).getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Add parameter' }));
    fireEvent.change(row(0).getByLabelText('Name'), { target: { value: 'limit' } });
    fireEvent.change(row(1).getByLabelText('Name'), { target: { value: 'limit' } });
    expect(row(0).getByText('limit is declared more than once')).toBeTruthy();
    expect(row(1).getByText('limit is declared more than once')).toBeTruthy();
  });

  it('flags a default that is not of the chosen type', () => {
    fireEvent.change(row(0).getByLabelText('Type'), { target: { value: 'string' } });
    expect(row(0).getByText('the default: expected string, got integer')).toBeTruthy();
    expect(parameters()![0]!.type).toBe('string');
  });

  it('reorders and removes parameters', () => {
    fireEvent.click(screen.getByRole('button', { name: 'Add parameter' }));
    fireEvent.change(row(1).getByLabelText('Name'), { target: { value: 'region' } });
    expect(row(0).getByRole('button', { name: 'Move up' })).toHaveProperty('disabled', true);
    fireEvent.click(row(1).getByRole('button', { name: 'Move up' }));
    expect(parameters()!.map((p) => p.name)).toEqual(['region', 'limit']);
    fireEvent.click(row(0).getByRole('button', { name: 'Remove' }));
    expect(parameters()!.map((p) => p.name)).toEqual(['limit']);
    fireEvent.click(row(0).getByRole('button', { name: 'Remove' }));
    expect(screen.getByTestId('parameters-empty')).toBeTruthy();
    expect('parameters' in JSON.parse(JSON.stringify(editor().document())), 'no parameters is no key').toBe(false);
  });
});
