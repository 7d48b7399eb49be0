/**
 * A small CodeMirror 6 JSON editor that validates as you type: the parse
 * error is shown with its line and column. Tab is left to the page (focus
 * moves on), so the editor never traps keyboard users.
 */
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { json } from '@codemirror/lang-json';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, placeholder as cmPlaceholder } from '@codemirror/view';
import { useEffect, useRef, useState } from 'react';

import type { JsonValue } from '../../bindings/serde_json/JsonValue';
import { jsonErrorMessage } from './fields';

export interface JsonCheck {
  text: string;
  /** The parsed value when the text is valid JSON. */
  value?: JsonValue;
  error: string | null;
}

/**
 * The offset where JSON text stops being valid, found by a small scanner
 * (engines' parse errors do not always say where), or null when it is valid.
 */
export function jsonErrorOffset(text: string): { at: number; message: string } | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (message: string): never => {
    throw { at: i, message };
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail(`Unexpected ${describe()}`);
  };
  const describe = () => (i >= text.length ? 'end of input' : `"${text[i]}"`);
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('Invalid \\u escape');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail('Invalid escape');
      } else if (text.charCodeAt(i) < 0x20) fail('Control character in string');
      i++;
    }
    if (i >= text.length) fail('Unterminated string');
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || m[0] === '' || m[0] === '-') fail(`Unexpected ${describe()}`);
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`Expected a property name, found ${describe()}`);
        string();
        ws();
        if (text[i] !== ':') fail(`Expected ":", found ${describe()}`);
        i++;
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(`Expected "," or "}", found ${describe()}`);
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(`Expected "," or "]", found ${describe()}`);
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else fail(`Unexpected ${describe()}`);
  };
  try {
    value();
    ws();
    if (i < text.length) fail(`Unexpected ${describe()} after the value`);
    return null;
  } catch (e) {
    return e as { at: number; message: string };
  }
}

/** Parses JSON text; errors carry line and column. */
export function checkJson(text: string): JsonCheck {
  if (text.trim() === '') return { text, error: 'Enter a JSON value' };
  try {
    return { text, value: JSON.parse(text) as JsonValue, error: null };
  } catch (err) {
    const found = jsonErrorOffset(text);
    if (!found) return { text, error: jsonErrorMessage(text, err) };
    const before = text.slice(0, found.at).split('\n');
    return {
      text,
      error: `${found.message} at line ${before.length}, column ${before[before.length - 1]!.length + 1}`,
    };
  }
}

export function JsonEditor({
  label,
  initial,
  onChange,
  testId,
  placeholder,
  autoFocus,
}: {
  label: string;
  initial: string;
  onChange: (check: JsonCheck) => void;
  testId?: string;
  placeholder?: string;
  autoFocus?: boolean;
}) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  const [check, setCheck] = useState<JsonCheck>(() => checkJson(initial));
  const errorId = `${testId ?? 'json-editor'}-error`;

  useEffect(() => {
    if (!host.current) return;
    const view = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: initial,
        extensions: [
          lineNumbers(),
          history(),
          bracketMatching(),
          json(),
          syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          EditorView.lineWrapping,
          cmPlaceholder(placeholder ?? '{"body": {"name": "Gromit"}}'),
          EditorView.contentAttributes.of({
            'aria-label': label,
            'aria-multiline': 'true',
            'aria-describedby': errorId,
          }),
          EditorView.updateListener.of((update) => {
            if (!update.docChanged) return;
            const next = checkJson(update.state.doc.toString());
            setCheck(next);
            changed.current(next);
          }),
        ],
      }),
    });
    changed.current(checkJson(initial));
    if (autoFocus) view.focus();
    return () => view.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the editor owns its text once created; rebuilding it for a new prop would drop what the user typed
  }, []);

  return (
    <div className="json-editor" data-testid={testId}>
      <div ref={host} className={`cm-host${check.error && check.text.trim() !== '' ? ' invalid' : ''}`} />
      <p
        id={errorId}
        className={check.error && check.text.trim() !== '' ? 'field-error' : 'field-ok small'}
        data-testid={check.error && check.text.trim() !== '' ? `${testId ?? 'json-editor'}-error` : undefined}
        role="status"
      >
        {check.text.trim() === '' ? 'Type or paste JSON.' : (check.error ?? 'Valid JSON')}
      </p>
    </div>
  );
}
