/**
 * The part of JSON Schema the designer turns into forms: each property of a
 * component's config or input schema becomes one field of a known kind.
 * Adding a component never touches this file; a schema feature it does not
 * know falls back to a JSON editor.
 */
import type { JsonValue } from '../bindings/serde_json/JsonValue';

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: JsonValue;
  enum?: JsonValue[];
  properties?: Record<string, JsonSchema | boolean>;
  required?: string[];
  items?: JsonSchema | boolean;
  additionalProperties?: JsonSchema | boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  uniqueItems?: boolean;
}

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'stringList' | 'enumList' | 'json';

export interface FieldSpec {
  key: string;
  title: string;
  description?: string;
  kind: FieldKind;
  required: boolean;
  default?: JsonValue;
  /** Choices of an `enum` field, or of each item of an `enumList`. */
  options?: JsonValue[];
  schema: JsonSchema;
  /**
   * The field may hold an object whose keys the schema does not list
   * (`body`, `headers`): its sub-fields can be set one by one as
   * `<key>.<name>` inputs.
   */
  openObject: boolean;
}

/** A schema as an object (`true` means "anything", `false` nothing). */
export function asSchema(schema: unknown): JsonSchema {
  return typeof schema === 'object' && schema !== null && !Array.isArray(schema) ? (schema as JsonSchema) : {};
}

function types(schema: JsonSchema): string[] {
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

/** The widget kind for one property schema. */
export function fieldKind(schema: JsonSchema): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return 'enum';
  const t = types(schema).filter((x) => x !== 'null');
  if (t.length !== 1) return 'json';
  switch (t[0]) {
    case 'string':
      return 'string';
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const items = asSchema(schema.items);
      if (Array.isArray(items.enum) && items.enum.every((v) => typeof v === 'string')) return 'enumList';
      if (types(items).length === 1 && types(items)[0] === 'string') return 'stringList';
      return 'json';
    }
    default:
      return 'json';
  }
}

/** Whether a property can take sub-fields the schema does not name. */
function isOpenObject(schema: JsonSchema): boolean {
  if (schema.properties && Object.keys(schema.properties).length > 0) return false;
  if (schema.additionalProperties === false) return false;
  if (schema.enum) return false;
  const t = types(schema);
  return t.length === 0 || t.includes('object');
}

/** The form fields of an object schema, in the schema's property order. */
export function describeFields(schemaValue: unknown): FieldSpec[] {
  const schema = asSchema(schemaValue);
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([key, raw]) => {
    const property = asSchema(raw);
    const kind = fieldKind(property);
    const spec: FieldSpec = {
      key,
      title: property.title ?? key,
      kind,
      required: required.has(key),
      schema: property,
      openObject: isOpenObject(property),
    };
    if (property.description) spec.description = property.description;
    if (property.default !== undefined) spec.default = property.default;
    if (kind === 'enum') spec.options = property.enum;
    if (kind === 'enumList') spec.options = asSchema(property.items).enum;
    return spec;
  });
}

function typeOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(expected: string, value: JsonValue): boolean {
  const actual = typeOf(value);
  if (expected === 'number') return actual === 'number' || actual === 'integer';
  return expected === actual;
}

function show(value: JsonValue): string {
  return JSON.stringify(value);
}

/**
 * Checks a literal against its schema and returns readable messages (empty
 * when it fits). Covers the keywords component schemas use; the core's
 * validator stays the judge at publish time.
 */
export function validateValue(schemaValue: unknown, value: JsonValue, at = ''): string[] {
  if (schemaValue === false) return [`${at || 'the value'} is not allowed`];
  const schema = asSchema(schemaValue);
  const where = at ? `${at}: ` : '';
  const messages: string[] = [];
  const expected = types(schema);
  if (expected.length > 0 && !expected.some((t) => matchesType(t, value))) {
    return [`${where}expected ${expected.join(' or ')}, got ${typeOf(value)}`];
  }
  if (schema.enum && !schema.enum.some((choice) => show(choice) === show(value))) {
    messages.push(`${where}must be one of ${schema.enum.map(show).join(', ')}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      messages.push(
        schema.minLength === 1 ? `${where}must not be empty` : `${where}needs at least ${schema.minLength} characters`,
      );
    }
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      messages.push(`${where}has more than ${schema.maxLength} characters`);
    }
    if (schema.pattern) {
      try {
        if (!new RegExp(schema.pattern, 'u').test(value)) messages.push(`${where}does not match ${schema.pattern}`);
      } catch {
        // a pattern this engine cannot read is left to the core
      }
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      messages.push(`${where}must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      messages.push(`${where}must be at most ${schema.maximum}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) {
      messages.push(`${where}needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'}`);
    }
    if (schema.uniqueItems && new Set(value.map(show)).size !== value.length)
      messages.push(`${where}has duplicate items`);
    if (schema.items !== undefined) {
      value.forEach((item, i) => messages.push(...validateValue(schema.items, item, `${at}[${i}]`)));
    }
  }
  if (typeOf(value) === 'object') {
    const object = value as Record<string, JsonValue>;
    for (const key of schema.required ?? []) {
      if (!(key in object)) messages.push(`${where}${key} is required`);
    }
    for (const [key, item] of Object.entries(object)) {
      const property = schema.properties?.[key];
      const path = at ? `${at}.${key}` : key;
      if (property !== undefined) messages.push(...validateValue(property, item, path));
      else if (schema.additionalProperties === false) messages.push(`${path} is not allowed`);
      else if (schema.additionalProperties !== undefined)
        messages.push(...validateValue(schema.additionalProperties, item, path));
    }
  }
  return messages;
}

/** The text shown for a default value next to a field. */
export function describeDefault(value: JsonValue | undefined): string | null {
  if (value === undefined) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(', ');
  return JSON.stringify(value);
}
