/**
 * Rules of the core that the fake backend imitates: design validation of a
 * flow document, a rough expression syntax check, canonical JSON. They are
 * simplified on purpose; the Rust core is the reference.
 */
import type { ComponentDescriptor } from '../bindings/ComponentDescriptor';
import type { FlowDocument } from '../bindings/FlowDocument';
import type { Problem } from '../bindings/Problem';
import type { JsonValue } from '../bindings/serde_json/JsonValue';
import { asSchema, validateValue } from '../lib/jsonSchema';

export interface SyntaxCheck {
  ok: boolean;
  message: string | null;
  position: number | null;
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
const CLOSE = new Set([')', ']', '}']);

/** Brackets balanced, strings closed, no dangling operator. */
export function checkExpressionSyntax(expr: string): SyntaxCheck {
  if (expr.trim() === '') return { ok: false, message: 'The expression is empty', position: 0 };
  const stack: { char: string; at: number }[] = [];
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') {
      const end = expr.indexOf(c, i + 1);
      if (end < 0) return { ok: false, message: `String literal starting at ${i} is not closed`, position: i };
      i = end;
    } else if (OPEN[c]) {
      stack.push({ char: c, at: i });
    } else if (CLOSE.has(c)) {
      const top = stack.pop();
      if (!top || OPEN[top.char] !== c) return { ok: false, message: `Unexpected "${c}"`, position: i };
    }
  }
  const open = stack.pop();
  if (open) return { ok: false, message: `"${open.char}" is never closed`, position: open.at };
  const trimmed = expr.trimEnd();
  if (/(\+|-|\*|\/|&|=|<|>|\.|,|\band|\bor)$/.test(trimmed)) {
    return { ok: false, message: 'The expression ends with an operator', position: trimmed.length };
  }
  return { ok: true, message: null, position: null };
}

/** JSON with object keys sorted, two-space indented, newline-terminated. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

function problem(path: string, message: string): Problem {
  return { path, message };
}

/** The schema of the input field at a dotted path, `true` below an open object, null when unknown. */
function inputFieldSchema(schema: unknown, path: string): unknown {
  let current = asSchema(schema);
  for (const part of path.split('.')) {
    if (!part) return null;
    const next = current.properties?.[part];
    if (next !== undefined) {
      current = asSchema(next);
      continue;
    }
    const typed = current.type !== undefined && !(current.type === 'object' || (Array.isArray(current.type) && current.type.includes('object')));
    if (current.additionalProperties === false || typed) return null;
    return typeof current.additionalProperties === 'object' ? current.additionalProperties : true;
  }
  return current;
}

export function validateDocument(doc: FlowDocument, catalog: Record<string, ComponentDescriptor>): Problem[] {
  const problems: Problem[] = [];
  if (!doc.name?.trim()) problems.push(problem('name', 'a flow needs a name'));
  if (doc.steps.length === 0) {
    problems.push(problem('steps', 'the flow has no steps; add a trigger'));
    return problems;
  }
  const index = new Map<string, number>();
  let trigger: number | null = null;
  doc.steps.forEach((step, i) => {
    if (!/^stp_[A-Za-z0-9_]{1,64}$/.test(step.id)) {
      problems.push(problem(`steps[${i}].id`, `step id "${step.id}" must be stp_ followed by letters, digits or '_'`));
    }
    if (index.has(step.id)) problems.push(problem(`steps[${i}].id`, `${step.id} is also the id of steps[${index.get(step.id)}]`));
    else index.set(step.id, i);
    const component = catalog[step.component];
    if (!component) problems.push(problem(`steps[${i}].component`, `unknown component "${step.component}"`));
    else if (component.kind === 'trigger') {
      if (trigger === null) trigger = i;
      else {
        problems.push(
          problem(`steps[${i}].component`, `a flow has exactly one trigger and ${doc.steps[trigger]!.id} is already its trigger`),
        );
      }
    }
  });
  if (trigger === null) problems.push(problem('steps', 'the flow has no trigger; add a trigger step such as webhook or manual'));

  const outgoing = new Map<string, string[]>();
  const seen = new Set<string>();
  doc.edges.forEach((edge, i) => {
    const from = index.get(edge.from);
    const to = index.get(edge.to);
    if (from === undefined) problems.push(problem(`edges[${i}].from`, `no step ${edge.from}`));
    if (to === undefined) problems.push(problem(`edges[${i}].to`, `no step ${edge.to}`));
    if (from === undefined || to === undefined) return;
    if (from === to) problems.push(problem(`edges[${i}]`, `${edge.from} is connected to itself`));
    if (to === trigger) problems.push(problem(`edges[${i}].to`, `${edge.to} is the trigger; nothing can lead into it`));
    const key = `${edge.from}>${edge.to}>${String(edge.when)}`;
    if (seen.has(key)) problems.push(problem(`edges[${i}]`, `duplicate edge from ${edge.from} to ${edge.to}`));
    seen.add(key);
    const branching = catalog[doc.steps[from]!.component]?.branching === true;
    const when = edge.when ?? null;
    if (branching && when === null) {
      problems.push(problem(`edges[${i}].when`, `${edge.from} is a condition step: its edges need "when": true or false`));
    } else if (!branching && when !== null) {
      problems.push(problem(`edges[${i}].when`, `only edges leaving a branching step (condition) carry "when"`));
    }
    outgoing.set(edge.from, [...(outgoing.get(edge.from) ?? []), edge.to]);
  });

  if (trigger !== null) {
    const reached = new Set<string>();
    const stack = [doc.steps[trigger]!.id];
    while (stack.length) {
      const id = stack.pop()!;
      if (reached.has(id)) continue;
      reached.add(id);
      stack.push(...(outgoing.get(id) ?? []));
    }
    doc.steps.forEach((step, i) => {
      if (!reached.has(step.id)) problems.push(problem(`steps[${i}]`, `${step.id} is not connected to the trigger, so it would never run`));
    });
  }

  doc.steps.forEach((step, i) => {
    const component = catalog[step.component];
    if (!component) return;
    const at = `steps[${i}]`;
    if (component.kind === 'trigger') {
      if (step.inputs && Object.keys(step.inputs).length > 0) problems.push(problem(`${at}.inputs`, 'a trigger has config, not inputs'));
      const config = (step.config ?? {}) as JsonValue;
      for (const message of validateValue(component.configSchema, config)) {
        const field = /^([A-Za-z0-9_]+)/.exec(message)?.[1];
        const known = field && asSchema(component.configSchema).properties?.[field] !== undefined;
        problems.push(problem(known ? `${at}.config.${field}` : `${at}.config`, message));
      }
    } else {
      if (step.config !== undefined && step.config !== null) problems.push(problem(`${at}.config`, 'an action has inputs, not config'));
      for (const [key, input] of Object.entries(step.inputs ?? {})) {
        const path = `${at}.inputs[${JSON.stringify(key)}]`;
        const schema = inputFieldSchema(component.inputSchema, key);
        if (schema === null) {
          problems.push(problem(path, `${step.component} has no input field ${key}`));
          continue;
        }
        if ('expr' in input) {
          const check = checkExpressionSyntax(input.expr);
          if (!check.ok) problems.push(problem(path, `invalid expression: ${check.message}`));
        } else {
          const message = validateValue(schema, input.value)[0];
          if (message) problems.push(problem(path, message));
        }
      }
      const schema = asSchema(component.inputSchema);
      for (const required of schema.required ?? []) {
        if (asSchema(schema.properties?.[required]).default !== undefined) continue;
        const set = Object.keys(step.inputs ?? {}).some((k) => k === required || k.startsWith(`${required}.`));
        if (!set) problems.push(problem(`${at}.inputs`, `the required input ${required} is not set`));
      }
    }
    if (step.credential && component.credentialKinds.length === 0) {
      problems.push(problem(`${at}.credential`, `${step.component} takes no credential, but "${step.credential}" is set`));
    }
  });
  return problems;
}

/** Reads `$trigger.a.b`, `$steps.id.x` or a plain path `a.b` against the run's data; null otherwise. */
export function evaluateSimple(expr: string, input: JsonValue, steps: Record<string, JsonValue>): JsonValue {
  const text = expr.trim();
  const quoted = /^"(.*)"$/.exec(text) ?? /^'(.*)'$/.exec(text);
  if (quoted) return quoted[1]!;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  let root: JsonValue = input;
  let path = text;
  if (text.startsWith('$trigger')) path = text.slice('$trigger'.length).replace(/^\./, '');
  else if (text.startsWith('$steps.')) {
    const [id, ...rest] = text.slice('$steps.'.length).split('.');
    root = steps[id!] ?? null;
    path = rest.join('.');
  } else if (!/^[A-Za-z_][\w.]*$/.test(text)) return null;
  let value: JsonValue = root;
  for (const part of path ? path.split('.') : []) {
    if (value && typeof value === 'object' && !Array.isArray(value)) value = (value as Record<string, JsonValue>)[part] ?? null;
    else return null;
  }
  return value;
}
