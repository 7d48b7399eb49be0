import { CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { act, fireEvent, render } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import type { CompletionData } from '../../lib/jsonata';
import { buildSourceTree } from '../../lib/sampleTree';
import { ExpressionEditor, expressionCompletionSource } from './ExpressionEditor';

const data: CompletionData = {
  steps: [
    {
      id: 'stp_hook',
      name: 'Webhook',
      trigger: true,
      tree: buildSourceTree('$trigger', 'Webhook', {}, { body: { petname: 'Gromit' } }),
    },
    {
      id: 'stp_x',
      name: 'Lookup',
      trigger: false,
      tree: buildSourceTree('$steps.stp_x', 'Lookup', {}, { id: 7, owner: { name: 'Wallace' } }),
    },
  ],
};

function complete(doc: string): CompletionResult | null {
  const state = EditorState.create({ doc });
  return expressionCompletionSource(() => data)(
    new CompletionContext(state, doc.length, false),
  ) as CompletionResult | null;
}

describe('expression completion source', () => {
  it('returns the step ids after $steps. and the sample fields after $steps.stp_x.', () => {
    const ids = complete('$steps.')!;
    expect(ids.from).toBe(7);
    expect(ids.options.map((o) => [o.label, o.detail])).toEqual([['stp_x', 'Lookup']]);
    const fields = complete('$count($steps.stp_x.')!;
    expect(fields.from).toBe(20);
    expect(fields.options.map((o) => o.label)).toEqual(['id', 'owner']);
    expect(complete('$steps.stp_x.owner.')!.options.map((o) => o.label)).toEqual(['name']);
    expect(complete('$tr')!.options.map((o) => o.label)).toContain('$trigger');
  });
});

describe('expression editor', () => {
  const setup = (value: string, errorPosition?: number) => {
    const onChange = vi.fn();
    const onCommit = vi.fn();
    const ui = (v: string, pos?: number) => (
      <ExpressionEditor
        id="ed"
        fieldKey="body.name"
        value={v}
        label="body.name"
        completion={data}
        errorPosition={pos}
        onChange={onChange}
        onCommit={onCommit}
      />
    );
    const r = render(ui(value, errorPosition));
    const content = r.container.querySelector<HTMLElement>('[data-field-input="body.name"]')!;
    const view = EditorView.findFromDOM(content)!;
    return { ...r, ui, content, view, onChange, onCommit };
  };

  it('is labelled, follows external values without echoing them, and reports typing', () => {
    const { content, view, rerender, ui, onChange } = setup('$trigger.body');
    expect(content.getAttribute('aria-label')).toBe('body.name');
    expect(content.getAttribute('role')).toBe('textbox');
    expect(view.state.doc.toString()).toBe('$trigger.body');
    rerender(ui('$steps.stp_x.id'));
    expect(view.state.doc.toString()).toBe('$steps.stp_x.id');
    expect(onChange).not.toHaveBeenCalled();
    act(() => view.dispatch({ changes: { from: view.state.doc.length, insert: ' & "!"' } }));
    expect(onChange).toHaveBeenLastCalledWith('$steps.stp_x.id & "!"');
  });

  it('keeps to one line: Enter commits and pasted newlines become spaces', () => {
    const { content, view, onCommit } = setup('$trigger');
    view.focus();
    fireEvent.keyDown(content, { key: 'Enter', code: 'Enter', keyCode: 13 });
    expect(onCommit).toHaveBeenCalledWith('$trigger');
    act(() => view.dispatch({ changes: { from: view.state.doc.length, insert: '\n.body\n' } }));
    expect(view.state.doc.lines).toBe(1);
    expect(view.state.doc.toString()).toBe('$trigger .body ');
  });

  it('underlines the character at the error position', () => {
    const { container, rerender, ui } = setup('$trigger.body +', 14);
    const mark = container.querySelector('.cm-expr-error');
    expect(mark?.textContent).toBe('+');
    rerender(ui('$trigger.body +', undefined));
    expect(container.querySelector('.cm-expr-error')).toBeNull();
  });
});
