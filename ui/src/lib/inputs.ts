/**
 * Helpers for a step's `inputs` (literal `{value}` or expression `{expr}`
 * per dotted field path) and a trigger's `config`.
 */
import type { DeclaredField } from '../bindings/DeclaredField';
import type { FieldType } from '../bindings/FieldType';
import type { Input } from '../bindings/Input';
import type { JsonValue } from '../bindings/serde_json/JsonValue';

export type Inputs = { [key: string]: Input };
export type InputMode = 'literal' | 'expr';

export const literal = (value: JsonValue): Input => ({ value });
export const expression = (expr: string): Input => ({ expr });

export function isExpression(input: Input | undefined): input is { expr: string } {
  return input !== undefined && 'expr' in input;
}

export function modeOf(input: Input | undefined): InputMode | null {
  if (input === undefined) return null;
  return isExpression(input) ? 'expr' : 'literal';
}

/** `inputs` with `key` set to `input`, or removed when `input` is undefined. Keeps key order. */
export function withInput(inputs: Inputs | undefined, key: string, input: Input | undefined): Inputs {
  const next: Inputs = {};
  let placed = false;
  for (const [k, v] of Object.entries(inputs ?? {})) {
    if (k === key) {
      placed = true;
      if (input !== undefined) next[k] = input;
    } else {
      next[k] = v;
    }
  }
  if (!placed && input !== undefined) next[key] = input;
  return next;
}

/** Renames an input key in place (keeps its position). */
export function renameInput(inputs: Inputs, from: string, to: string): Inputs {
  const next: Inputs = {};
  for (const [k, v] of Object.entries(inputs)) next[k === from ? to : k] = v;
  return next;
}

/** Keys of the sub-field inputs of `field` (`body.name`, `body.status`). */
export function subFieldKeys(inputs: Inputs | undefined, field: string): string[] {
  return Object.keys(inputs ?? {}).filter((k) => k.startsWith(`${field}.`));
}

/** The types a declared field can have, in the order the designer offers them. */
export const FIELD_TYPES: FieldType[] = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'any'];

/** Fields declared directly below `field` (`body.name` below `body`), in declared order. */
export function declaredUnder(fields: DeclaredField[] | undefined, field: string): DeclaredField[] {
  return (fields ?? []).filter(
    (f) => f.field.startsWith(`${field}.`) && !f.field.slice(field.length + 1).includes('.'),
  );
}

/** `fields` with `declared` in place of the declaration of the same path, or added at the end. */
export function withDeclared(fields: DeclaredField[] | undefined, declared: DeclaredField): DeclaredField[] {
  const list = fields ?? [];
  const clean: DeclaredField = declared.required ? declared : { field: declared.field, type: declared.type };
  return list.some((f) => f.field === declared.field)
    ? list.map((f) => (f.field === declared.field ? clean : f))
    : [...list, clean];
}

/** `fields` without the declaration of `path` and of anything below it. */
export function withoutDeclared(fields: DeclaredField[] | undefined, path: string): DeclaredField[] {
  return (fields ?? []).filter((f) => f.field !== path && !f.field.startsWith(`${path}.`));
}

/** The declared type an example value suggests (`null` says nothing: any). */
export function typeOfExample(value: JsonValue | undefined): FieldType {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (Array.isArray(value)) return 'array';
  if (value !== null && typeof value === 'object') return 'object';
  return 'any';
}

/** The JSON Schema of a declared type, for checking a literal as it is typed. */
export function schemaOfType(type: FieldType): { type?: string } {
  return type === 'any' ? {} : { type };
}

/** A sub-field name is a plain key: no dots, not empty. */
export function checkSubFieldName(name: string, existing: string[], field: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'Enter a field name';
  if (trimmed.includes('.')) return 'A field name cannot contain "."';
  if (existing.includes(`${field}.${trimmed}`)) return `${field}.${trimmed} is already set`;
  return null;
}

/**
 * Text typed into a free-form literal: JSON when it reads as JSON (a number,
 * `true`, an object, a quoted string), otherwise the text itself.
 */
export function parseLenient(text: string): JsonValue {
  const trimmed = text.trim();
  if (trimmed === '') return text;
  try {
    return JSON.parse(trimmed) as JsonValue;
  } catch {
    return text;
  }
}

/** The inverse of {@link parseLenient}: strings as typed, other values as JSON. */
export function formatLenient(value: JsonValue): string {
  if (typeof value === 'string') {
    // A string that would read back as something else is shown quoted.
    const reread = parseLenient(value);
    return typeof reread === 'string' ? value : JSON.stringify(value);
  }
  return JSON.stringify(value);
}

/** Switching a field's mode keeps what can be kept. */
export function convertInput(input: Input | undefined, to: InputMode): Input | undefined {
  if (input === undefined) return undefined;
  if (to === 'expr') {
    if (isExpression(input)) return input;
    return expression(JSON.stringify(input.value));
  }
  if (!isExpression(input)) return input;
  try {
    return literal(JSON.parse(input.expr) as JsonValue);
  } catch {
    return undefined;
  }
}

export type Config = { [key: string]: JsonValue };

/** `config` with `key` set, or removed when `value` is undefined. */
export function withConfigValue(
  config: JsonValue | null | undefined,
  key: string,
  value: JsonValue | undefined,
): Config {
  const base: Config =
    typeof config === 'object' && config !== null && !Array.isArray(config) ? { ...(config as Config) } : {};
  if (value === undefined) delete base[key];
  else base[key] = value;
  return base;
}
