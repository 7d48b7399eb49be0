import { describe, expect, it } from 'vitest';

import type { ButtonView } from '../bindings/ButtonView';
import type { Selection } from '../bindings/Selection';
import {
  admits,
  contextButtons,
  countProblem,
  editableFields,
  inside,
  pickerTitle,
  placedAt,
  pressValues,
  startingValues,
  togglePicked,
} from './buttons';

const csvFiles: Selection = { pick: 'files', extensions: ['.CSV', 'txt'], multiple: false, required: true };

function button(overrides: Partial<ButtonView>): ButtonView {
  return {
    flowId: 'flw_a',
    flowName: 'A',
    hook: 'a',
    version: 1,
    label: 'A',
    icon: 'play',
    placement: ['launcher'],
    legend: '',
    fields: [],
    presets: {},
    selection: { pick: 'none', extensions: [], multiple: false, required: true },
    folders: ['/srv/in'],
    guarded: false,
    ...overrides,
  };
}

describe('a Button selection rule', () => {
  it('takes items by kind and extension, as the core does', () => {
    expect(admits(csvFiles, 'report.csv', false)).toBe(true);
    expect(admits(csvFiles, 'notes.TXT', false)).toBe(true);
    expect(admits(csvFiles, 'photo.png', false)).toBe(false);
    expect(admits(csvFiles, 'README', false)).toBe(false);
    expect(admits(csvFiles, 'archive.csv', true)).toBe(false);
    expect(admits({ ...csvFiles, pick: 'both' }, 'any folder', true)).toBe(true);
    expect(admits({ ...csvFiles, pick: 'folders' }, 'a.csv', false)).toBe(false);
    expect(admits({ ...csvFiles, pick: 'none' }, 'a.csv', false)).toBe(false);
  });

  it('says how many items it needs', () => {
    expect(countProblem(csvFiles, 0)).toBe('Pick a file first');
    expect(countProblem(csvFiles, 2)).toBe('Pick one file only');
    expect(countProblem(csvFiles, 1)).toBeNull();
    expect(countProblem({ ...csvFiles, multiple: true, required: false }, 0)).toBeNull();
    expect(pickerTitle({ ...csvFiles, pick: 'folders', multiple: true })).toBe('Pick folders');
  });

  it('replaces the last item when only one may be picked', () => {
    const a = { path: '/srv/in/a.csv', name: 'a.csv', folder: false };
    const b = { path: '/srv/in/b.csv', name: 'b.csv', folder: false };
    expect(togglePicked(csvFiles, [a], b, true)).toEqual([b]);
    expect(togglePicked({ ...csvFiles, multiple: true }, [a], b, true)).toEqual([a, b]);
    expect(togglePicked(csvFiles, [a, b], a, false)).toEqual([b]);
  });
});

describe('where Buttons appear', () => {
  const files = { ...csvFiles, multiple: true };
  const convert = button({ flowId: 'flw_convert', placement: ['context menu', 'toolbar'], selection: files });
  const upload = button({ flowId: 'flw_upload', placement: ['launcher'], selection: files });
  const elsewhere = button({ flowId: 'flw_far', placement: ['context menu'], selection: files, folders: ['/srv/out'] });

  it('lists each placement in the core order', () => {
    expect(placedAt([convert, upload], 'toolbar')).toEqual([convert]);
    expect(placedAt([convert, upload], 'launcher')).toEqual([upload]);
  });

  it('offers on an item the other context-menu Buttons whose folders and rule take it', () => {
    const entry = { name: 'a.csv', path: '/srv/in/2026/a.csv', folder: false, selectable: true };
    expect(contextButtons([convert, upload, elsewhere], entry, upload)).toEqual([convert]);
    expect(contextButtons([convert], entry, convert), 'never the Button whose picker lists it').toEqual([]);
    expect(contextButtons([convert], { ...entry, name: 'a.png', path: '/srv/in/a.png' }, null)).toEqual([]);
    expect(inside(['/srv/in'], '/srv/inbox/a.csv')).toBe(false);
    expect(inside(['/srv/in'], '/srv/in')).toBe(true);
  });
});

describe('a Button form', () => {
  const form = button({
    fields: [
      { name: 'region', type: 'string', description: 'where', required: false, editable: true, value: 'EU' },
      { name: 'mode', type: 'string', description: '', required: false, editable: false, value: 'safe' },
      { name: 'dryRun', type: 'boolean', description: '', required: false, editable: true, value: null },
      { name: 'count', type: 'integer', description: '', required: true, editable: true, value: null },
    ],
  });

  it('asks only for the editable parameters, starting from their preset or default', () => {
    expect(editableFields(form).map((f) => [f.name, f.type, f.required])).toEqual([
      ['region', 'string', false],
      ['dryRun', 'boolean', false],
      ['count', 'integer', true],
    ]);
    expect(startingValues(form)).toEqual({ region: 'EU', dryRun: false, count: undefined });
  });

  it('sends an emptied field as null, so the default applies', () => {
    expect(pressValues(form, { region: undefined, dryRun: true, count: 3 })).toEqual({
      region: null,
      dryRun: true,
      count: 3,
    });
  });
});
