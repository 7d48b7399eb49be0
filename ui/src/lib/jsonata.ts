/**
 * JSONata support for the mapping editor's expression fields: a small
 * stream tokenizer (for CodeMirror's StreamLanguage) and the completion
 * logic (`$trigger`, `$steps.<id>`, functions, and the field names of a
 * step's sample tree after `$trigger.` or `$steps.<id>.`). Both are pure,
 * so they are tested without an editor.
 */
import { StringStream, type StreamParser } from '@codemirror/language';

import { childPath, type SourceNode } from './sampleTree';

export interface JsonataState {
  /** Inside a `/* … *\/` comment that has not ended yet. */
  comment: boolean;
}

/** Token names understood by StreamLanguage (they map to highlight tags). */
export type JsonataToken =
  | 'comment'
  | 'string'
  | 'number'
  | 'keyword'
  | 'bool'
  | 'null'
  | 'variableName.special'
  | 'variableName.function'
  | 'propertyName'
  | 'operator'
  | 'bracket'
  | 'punctuation'
  | 'invalid';

const KEYWORDS = new Set(['and', 'or', 'in', 'function']);
const OPERATORS = /^(~>|:=|!=|<=|>=|\.\.|\?\?|\?:|[-+*/%=<>&?!^#@|~])/;

function skipComment(stream: StringStream, state: JsonataState): 'comment' {
  while (!stream.eol()) {
    if (stream.match('*/')) {
      state.comment = false;
      return 'comment';
    }
    stream.next();
  }
  state.comment = true;
  return 'comment';
}

export const jsonataParser: StreamParser<JsonataState> = {
  name: 'jsonata',
  startState: () => ({ comment: false }),
  copyState: (s) => ({ ...s }),
  token(stream, state): JsonataToken | null {
    if (state.comment) return skipComment(stream, state);
    if (stream.eatSpace()) return null;
    if (stream.match('/*')) return skipComment(stream, state);
    const ch = stream.peek()!;
    if (ch === '"' || ch === "'") {
      stream.next();
      let escaped = false;
      while (!stream.eol()) {
        const c = stream.next();
        if (c === ch && !escaped) return 'string';
        escaped = !escaped && c === '\\';
      }
      return 'string';
    }
    if (ch === '`') {
      stream.next();
      if (stream.skipTo('`')) stream.next();
      else stream.skipToEnd();
      return 'propertyName';
    }
    if (stream.match(/^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/)) return 'number';
    if (ch === '$') {
      stream.next();
      stream.match(/^\$?[A-Za-z0-9_]*/);
      return stream.match(/^\s*\(/, false) ? 'variableName.function' : 'variableName.special';
    }
    if (stream.match(/^[A-Za-z_][A-Za-z0-9_]*/)) {
      const word = stream.current();
      if (KEYWORDS.has(word)) return 'keyword';
      if (word === 'true' || word === 'false') return 'bool';
      if (word === 'null') return 'null';
      return 'propertyName';
    }
    if (stream.match(OPERATORS)) return 'operator';
    stream.next();
    if ('()[]{}'.includes(ch)) return 'bracket';
    if (',;:.'.includes(ch)) return 'punctuation';
    return 'invalid';
  },
  blankLine: () => undefined,
  languageData: { commentTokens: { block: { open: '/*', close: '*/' } } },
};

/** The tokens of `text` as the editor classifies them (whitespace left out). */
export function tokenizeExpression(text: string): { text: string; type: JsonataToken | null }[] {
  const state = jsonataParser.startState!(2);
  const out: { text: string; type: JsonataToken | null }[] = [];
  for (const line of text.split('\n')) {
    const stream = new StringStream(line, 2, 2);
    while (!stream.eol()) {
      const type = jsonataParser.token(stream, state) as JsonataToken | null;
      if (stream.pos === stream.start) stream.next();
      const piece = stream.current();
      if (piece.trim() !== '') out.push({ text: piece, type });
      stream.start = stream.pos;
    }
  }
  return out;
}

export const JSONATA_FUNCTIONS: { name: string; detail: string }[] = [
  { name: 'string', detail: '(value) → string' },
  { name: 'number', detail: '(value) → number' },
  { name: 'boolean', detail: '(value) → boolean' },
  { name: 'not', detail: '(value) → boolean' },
  { name: 'exists', detail: '(value) → boolean' },
  { name: 'sum', detail: '(array) → number' },
  { name: 'count', detail: '(array) → number' },
  { name: 'max', detail: '(array) → number' },
  { name: 'min', detail: '(array) → number' },
  { name: 'average', detail: '(array) → number' },
  { name: 'round', detail: '(number, precision?) → number' },
  { name: 'floor', detail: '(number) → number' },
  { name: 'ceil', detail: '(number) → number' },
  { name: 'abs', detail: '(number) → number' },
  { name: 'uppercase', detail: '(string) → string' },
  { name: 'lowercase', detail: '(string) → string' },
  { name: 'trim', detail: '(string) → string' },
  { name: 'length', detail: '(string) → number' },
  { name: 'substring', detail: '(string, start, length?) → string' },
  { name: 'substringBefore', detail: '(string, chars) → string' },
  { name: 'substringAfter', detail: '(string, chars) → string' },
  { name: 'contains', detail: '(string, pattern) → boolean' },
  { name: 'split', detail: '(string, separator) → array' },
  { name: 'join', detail: '(array, separator?) → string' },
  { name: 'replace', detail: '(string, pattern, replacement) → string' },
  { name: 'pad', detail: '(string, width, char?) → string' },
  { name: 'now', detail: '() → string (ISO timestamp)' },
  { name: 'millis', detail: '() → number' },
  { name: 'fromMillis', detail: '(number) → string' },
  { name: 'toMillis', detail: '(string) → number' },
  { name: 'keys', detail: '(object) → array' },
  { name: 'lookup', detail: '(object, key) → value' },
  { name: 'merge', detail: '(array of objects) → object' },
  { name: 'append', detail: '(array, array) → array' },
  { name: 'map', detail: '(array, function) → array' },
  { name: 'filter', detail: '(array, function) → array' },
  { name: 'distinct', detail: '(array) → array' },
  { name: 'sort', detail: '(array, function?) → array' },
  { name: 'type', detail: '(value) → string' },
  { name: 'uuid', detail: '() → string' },
];

/** What the completion of one field knows: the steps before it with their sample trees. */
export interface CompletionData {
  steps: { id: string; name: string; trigger: boolean; tree?: SourceNode }[];
}

export interface ExpressionOption {
  label: string;
  detail?: string;
  type: 'variable' | 'function' | 'property';
  /** Text inserted instead of the label (functions get their parentheses). */
  apply?: string;
}

export interface ExpressionCompletion {
  /** Offset in the text where the replaced word starts. */
  from: number;
  options: ExpressionOption[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function findNode(node: SourceNode, path: string): SourceNode | undefined {
  if (node.path === path) return node;
  if (!path.startsWith(node.path)) return undefined;
  for (const child of node.children) {
    const found = findNode(child, path);
    if (found) return found;
  }
  return undefined;
}

/** The object-valued fields under `node`: arrays map over their items. */
function fieldsOf(node: SourceNode): SourceNode[] {
  const first = node.children[0];
  if (first && /^\[\d+\]$/.test(first.label)) {
    const seen = new Map<string, SourceNode>();
    for (const item of node.children) for (const c of fieldsOf(item)) if (!seen.has(c.label)) seen.set(c.label, c);
    return [...seen.values()];
  }
  return node.children;
}

const typeOf = (n: SourceNode) => `${n.types.join(' | ') || 'unknown'}${n.nullable ? ' | null' : ''}`;

/**
 * The completions at the end of `before` (the text left of the cursor), or
 * null when there is nothing to offer. `explicit` (Ctrl-Space) offers the
 * variables even without a `$` typed.
 */
export function completeExpression(
  before: string,
  data: CompletionData,
  explicit = false,
): ExpressionCompletion | null {
  // A field after a path: `$trigger.body.pe`, `$steps.stp_x.items.na`, `$steps.`
  const member =
    /(\$(?:trigger|steps\.[A-Za-z0-9_]+)(?:\.(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]*`)|\[\d+\])*|\$steps)\.([A-Za-z0-9_]*)$/.exec(
      before,
    );
  if (member) {
    const base = member[1]!;
    const from = before.length - member[2]!.length;
    if (base === '$steps') {
      const options = data.steps
        .filter((s) => !s.trigger)
        .map((s): ExpressionOption => ({ label: s.id, detail: s.name, type: 'variable' }));
      return options.length > 0 ? { from, options } : null;
    }
    const root = base.startsWith('$trigger')
      ? data.steps.find((s) => s.trigger)
      : data.steps.find(
          (s) => base.startsWith(`$steps.${s.id}`) && /^(?:$|[.[])/.test(base.slice(`$steps.${s.id}`.length)),
        );
    if (!root?.tree) return null;
    // The tree has `[n]` items: look the path up as written, else through the first item.
    const node = findNode(root.tree, base) ?? findNode(root.tree, base.replace(/\[\d+\]/g, '[0]'));
    if (!node) return null;
    const options = fieldsOf(node)
      .filter((c) => !/^\[\d+\]$/.test(c.label))
      .map((c): ExpressionOption => ({
        label: NAME.test(c.label) ? c.label : `\`${c.label}\``,
        detail: typeOf(c),
        type: 'property',
      }));
    return options.length > 0 ? { from, options } : null;
  }
  const word = /\$[A-Za-z0-9_]*$/.exec(before) ?? (explicit ? /[A-Za-z0-9_]*$/.exec(before) : null);
  if (!word) return null;
  const options: ExpressionOption[] = [];
  if (data.steps.some((s) => s.trigger))
    options.push({ label: '$trigger', detail: 'the trigger’s output', type: 'variable' });
  for (const s of data.steps)
    if (!s.trigger) options.push({ label: `$steps.${s.id}`, detail: s.name, type: 'variable' });
  options.push({ label: '$steps', detail: 'outputs of earlier steps', type: 'variable' });
  options.push({ label: '$params', detail: 'flow parameters', type: 'variable' });
  options.push({ label: '$execution', detail: 'the running execution', type: 'variable' });
  for (const f of JSONATA_FUNCTIONS)
    options.push({ label: `$${f.name}`, detail: f.detail, type: 'function', apply: `$${f.name}()` });
  return { from: before.length - word[0].length, options };
}

/**
 * The trigger fields an expression reads, as the top-level field and the
 * path written: `$trigger.body.x` and a bare `body.x` (an expression's
 * context is the trigger's output) both read `body`. Names inside `[…]`
 * filters are relative to the filtered items and are left out, and so are
 * paths after `$steps`, `$params` or any other variable.
 */
export function triggerReads(expr: string): { field: string; path: string }[] {
  const tokens = tokenizeExpression(expr);
  const reads: { field: string; path: string }[] = [];
  const name = (text: string) => text.replace(/^`|`$/g, '');
  let filterDepth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.text === '[') filterDepth++;
    else if (token.text === ']') filterDepth = Math.max(0, filterDepth - 1);
    let start: number;
    if (token.type === 'variableName.special' && token.text === '$trigger') {
      if (tokens[i + 1]?.text !== '.' || tokens[i + 2]?.type !== 'propertyName') continue;
      start = i + 2;
    } else if (token.type === 'propertyName' && filterDepth === 0) {
      // A name after a dot continues a path someone else started.
      if (tokens[i - 1]?.text === '.') continue;
      start = i;
    } else continue;
    const segments = [name(tokens[start]!.text)];
    let j = start + 1;
    while (tokens[j]?.text === '.' && tokens[j + 1]?.type === 'propertyName') {
      segments.push(name(tokens[j + 1]!.text));
      j += 2;
    }
    reads.push({ field: segments[0]!, path: segments.reduce(childPath, '$trigger') });
    i = j - 1;
  }
  return reads;
}
