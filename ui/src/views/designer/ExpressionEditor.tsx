/**
 * A single-line CodeMirror 6 editor for a JSONata expression: highlighting,
 * completion of `$trigger`, `$steps.<id>`, functions and sample fields, and
 * the preview's error position underlined. Enter commits (no newlines), Tab
 * moves focus on, Escape closes the completion list first, then bubbles on
 * (the dialog closes). The editor follows external changes of `value`
 * (click-to-map and drag and drop write the draft, not the editor).
 */
import {
  autocompletion,
  closeCompletion,
  completionStatus,
  type Completion,
  type CompletionContext,
  type CompletionResult,
} from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { defaultHighlightStyle, StreamLanguage, syntaxHighlighting } from '@codemirror/language';
import { Annotation, EditorState, Prec, StateEffect, StateField } from '@codemirror/state';
import { Decoration, type DecorationSet, EditorView, keymap, placeholder as cmPlaceholder } from '@codemirror/view';
import { useEffect, useRef } from 'react';

import { completeExpression, jsonataParser, type CompletionData } from '../../lib/jsonata';

export const jsonataLanguage = StreamLanguage.define(jsonataParser);

/** Marks a change that came from outside (the draft), not from typing. */
const External = Annotation.define<boolean>();

const setErrorAt = StateEffect.define<number | null>();
const errorMark = Decoration.mark({ class: 'cm-expr-error', attributes: { title: 'The expression fails here' } });

/** The character the preview's error points at, underlined in red. */
const errorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = marks.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setErrorAt)) continue;
      const len = tr.state.doc.length;
      if (e.value === null || len === 0) next = Decoration.none;
      else {
        const from = Math.max(0, Math.min(e.value, len - 1));
        next = Decoration.set([errorMark.range(from, from + 1)]);
      }
    }
    return next;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** A CodeMirror completion source over `completeExpression`. */
export function expressionCompletionSource(data: () => CompletionData) {
  return (context: CompletionContext): CompletionResult | null => {
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const found = completeExpression(before, data(), context.explicit);
    if (!found) return null;
    return {
      from: line.from + found.from,
      options: found.options.map((o): Completion => {
        const option: Completion = { label: o.label, type: o.type, boost: o.type === 'function' ? -1 : 0 };
        if (o.detail) option.detail = o.detail;
        if (o.apply) {
          const text = o.apply;
          option.apply = (view, _c, from, to) => {
            // `$name()` with the cursor between the parentheses.
            view.dispatch({ changes: { from, to, insert: text }, selection: { anchor: from + text.length - 1 } });
          };
        }
        return option;
      }),
      validFor: /^[$A-Za-z0-9_`]*$/,
    };
  };
}

/** Joins the lines of any multi-line change (paste): the expression stays on one line. */
const singleLine = EditorState.transactionFilter.of((tr) => {
  if (!tr.docChanged || tr.newDoc.lines === 1) return tr;
  const text = tr.newDoc.toString();
  return [tr, { changes: { from: 0, to: text.length, insert: text.replace(/\r?\n/g, ' ') }, sequential: true }];
});

const theme = EditorView.theme({
  '&': { fontFamily: 'var(--mono)', fontSize: '12.5px' },
  '.cm-content': { padding: '5px 0', fontFamily: 'var(--mono)' },
  '.cm-line': { padding: '0 8px' },
  '.cm-scroller': { overflowX: 'auto', fontFamily: 'var(--mono)' },
  '.cm-expr-error': {
    textDecoration: 'underline wavy var(--danger)',
    textDecorationSkipInk: 'none',
    backgroundColor: 'var(--danger-soft)',
  },
});

export function ExpressionEditor({
  id,
  fieldKey,
  value,
  label,
  placeholder,
  invalid,
  describedBy,
  errorPosition,
  completion,
  onChange,
  onFocus,
  onCommit,
}: {
  id: string;
  /** Put on the editable element as `data-field-input` (and `data-map-field`). */
  fieldKey: string;
  value: string;
  label: string;
  placeholder?: string;
  invalid?: boolean;
  describedBy?: string;
  /** Character offset of the preview's error, if any. */
  errorPosition?: number | undefined;
  completion: CompletionData;
  onChange: (text: string) => void;
  onFocus?: () => void;
  onCommit?: (text: string) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  const handlers = useRef({ onChange, onFocus, onCommit, completion });
  handlers.current = { onChange, onFocus, onCommit, completion };

  useEffect(() => {
    if (!host.current) return;
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          jsonataLanguage,
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          autocompletion({ override: [expressionCompletionSource(() => handlers.current.completion)], icons: false }),
          Prec.highest(
            EditorView.domEventHandlers({
              keydown(event, v) {
                // Escape closes an open completion list and stops there; otherwise it reaches the dialog.
                if (event.key === 'Escape' && completionStatus(v.state) !== null) {
                  closeCompletion(v);
                  event.preventDefault();
                  event.stopPropagation();
                  return true;
                }
                return false;
              },
              // Dropping a source field is the target field's business: it replaces the expression.
              drop: () => true,
              focus() {
                handlers.current.onFocus?.();
                return false;
              },
            }),
          ),
          Prec.high(
            keymap.of([
              {
                key: 'Enter',
                run: (v) => {
                  handlers.current.onCommit?.(v.state.doc.toString());
                  return true;
                },
              },
            ]),
          ),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          singleLine,
          errorField,
          theme,
          cmPlaceholder(placeholder ?? ''),
          EditorView.contentAttributes.of({
            id,
            'aria-label': label,
            'aria-multiline': 'false',
            'data-field-input': fieldKey,
            'data-map-field': fieldKey,
            spellcheck: 'false',
          }),
          EditorView.updateListener.of((update) => {
            if (!update.docChanged) return;
            if (update.transactions.some((tr) => tr.annotation(External))) return;
            handlers.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    viewRef.current = view;
    return () => {
      view.destroy();
      viewRef.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- created once; value, error and attributes follow through the effects below
  }, []);

  // External changes (click-to-map, drop, undo) replace the text.
  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const current = view.state.doc.toString();
    if (current === value) return;
    view.dispatch({
      changes: { from: 0, to: current.length, insert: value },
      selection: view.hasFocus ? { anchor: value.length } : undefined,
      annotations: External.of(true),
    });
  }, [value]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    view.dispatch({ effects: setErrorAt.of(errorPosition ?? null) });
  }, [errorPosition, value]);

  useEffect(() => {
    const content = viewRef.current?.contentDOM;
    if (!content) return;
    if (invalid) content.setAttribute('aria-invalid', 'true');
    else content.removeAttribute('aria-invalid');
    if (describedBy) content.setAttribute('aria-describedby', describedBy);
    else content.removeAttribute('aria-describedby');
  }, [invalid, describedBy]);

  return (
    <div ref={host} className={`expr-editor input mono${invalid ? ' invalid' : ''}`} data-testid="expression-editor" />
  );
}
