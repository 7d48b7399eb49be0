/**
 * The fake backend's imitation of the core's sample rules: schema inference
 * over a step's samples and the field preview of a step's mapping. The
 * expression evaluator only reads paths (`$trigger.body.x`, `$steps.id.y`,
 * literals); the Rust core runs real JSONata.
 */
import type { ComponentDescriptor } from '../bindings/ComponentDescriptor';
import type { FieldPreview } from '../bindings/FieldPreview';
import type { FlowDocument } from '../bindings/FlowDocument';
import type { ValueType } from '../bindings/ValueType';
import type { JsonValue } from '../bindings/serde_json/JsonValue';
import { asSchema, describeFields, type JsonSchema } from '../lib/jsonSchema';
import { declaredUnder, schemaOfType } from '../lib/inputs';
import { checkExpressionSyntax } from './fakeCore';

type Json = { [key: string]: JsonValue };

export function jsonType(value: JsonValue | undefined): ValueType {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as ValueType;
}

/** A JSON Schema covering every given value: union of fields, optional and nullable marks. */
export function inferSchema(values: JsonValue[]): JsonSchema {
  if (values.length === 0) return {};
  const kinds = new Set(values.map((v) => jsonType(v)));
  if (kinds.has('integer') && kinds.has('number')) kinds.delete('integer');
  const schema: JsonSchema = {};
  const list = [...kinds].sort((a, b) => Number(a === 'null') - Number(b === 'null'));
  schema.type = list.length === 1 ? list[0]! : list;
  const objects = values.filter((v): v is Json => jsonType(v) === 'object');
  if (objects.length > 0) {
    const keys: string[] = [];
    for (const o of objects) for (const k of Object.keys(o)) if (!keys.includes(k)) keys.push(k);
    schema.properties = Object.fromEntries(keys.map((k) => [k, inferSchema(objects.filter((o) => k in o).map((o) => o[k]!))]));
    schema.required = keys.filter((k) => objects.every((o) => k in o));
  }
  const arrays = values.filter((v): v is JsonValue[] => Array.isArray(v));
  if (arrays.length > 0) {
    const items = arrays.flat();
    if (items.length > 0) schema.items = inferSchema(items);
  }
  return schema;
}

/** A value fitting a schema: examples, defaults, or a placeholder per type. */
export function sampleFromSchema(schemaValue: unknown): JsonValue {
  const schema = asSchema(schemaValue);
  if (schema.default !== undefined) return schema.default;
  if (schema.enum && schema.enum.length > 0) return schema.enum[0]!;
  const type = (Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type) ?? (schema.properties ? 'object' : 'null');
  switch (type) {
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, sampleFromSchema(v)]));
    case 'array':
      return schema.items === undefined ? [] : [sampleFromSchema(schema.items)];
    case 'string':
      return 'text';
    case 'integer':
      return 1;
    case 'number':
      return 1.5;
    case 'boolean':
      return true;
    default:
      return null;
  }
}

function read(root: JsonValue | undefined, path: string[]): JsonValue | undefined {
  let value = root;
  for (const part of path) {
    if (value && typeof value === 'object' && !Array.isArray(value)) value = (value as Json)[part];
    else if (Array.isArray(value) && /^\d+$/.test(part)) value = value[Number(part)];
    else return undefined;
  }
  return value;
}

export interface EvalContext {
  trigger: JsonValue;
  steps: Record<string, JsonValue>;
}

/** Path expressions and literals only; undefined when the path finds nothing. */
export function evaluatePath(expr: string, context: EvalContext): JsonValue | undefined {
  const text = expr.trim();
  const quoted = /^"(.*)"$/.exec(text) ?? /^'(.*)'$/.exec(text);
  if (quoted) return quoted[1]!;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  const parts = text.split('.').map((p) => p.replace(/^`(.*)`$/, '$1'));
  if (parts[0] === '$trigger') return read(context.trigger, parts.slice(1));
  if (parts[0] === '$steps') {
    const id = parts[1];
    if (!id || !(id in context.steps)) return undefined;
    return read(context.steps[id], parts.slice(2));
  }
  if (/^[A-Za-z_][\w]*$/.test(parts[0]!)) return read(context.trigger, parts);
  return undefined;
}

function expectedTypes(schema: JsonSchema): string[] {
  if (schema.enum) return [];
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

function fits(expected: string[], actual: ValueType): boolean {
  if (expected.length === 0 || actual === 'missing') return true;
  return expected.some((t) => t === actual || (t === 'number' && actual === 'integer'));
}

/** Every input field of `stepId` evaluated against the samples, as the core's previewStep does. */
export function previewFields(doc: FlowDocument, stepId: string, component: ComponentDescriptor, context: EvalContext): FieldPreview[] {
  const step = doc.steps.find((s) => s.id === stepId);
  if (!step) return [];
  const inputs = step.inputs ?? {};
  const known = new Set(doc.steps.map((s) => s.id));
  const fields = describeFields(component.inputSchema);
  const keys: { key: string; schema: JsonSchema; required: boolean; hasDefault: boolean }[] = [];
  for (const f of fields) {
    keys.push({ key: f.key, schema: f.schema, required: f.required, hasDefault: f.default !== undefined });
    const declared = declaredUnder(step.fields, f.key);
    for (const d of declared) keys.push({ key: d.field, schema: schemaOfType(d.type), required: d.required === true, hasDefault: false });
    for (const k of Object.keys(inputs)) {
      if (k.startsWith(`${f.key}.`) && !declared.some((d) => d.field === k)) {
        const sub = f.schema.additionalProperties;
        keys.push({ key: k, schema: typeof sub === 'object' ? sub : {}, required: false, hasDefault: false });
      }
    }
  }
  const out: FieldPreview[] = [];
  for (const { key, schema, required, hasDefault } of keys) {
    const source = inputs[key];
    const set = source !== undefined || Object.keys(inputs).some((k) => k.startsWith(`${key}.`));
    const expected = expectedTypes(schema);
    const base = { field: key, required, ...(expected.length > 0 ? { expected: expected.length === 1 ? expected[0]! : expected } : {}) };
    if (!source) {
      if (required && !hasDefault && !set) {
        out.push({ ...base, valueType: 'missing', check: 'missing_required', message: `${key} is required and nothing maps it` });
      }
      continue;
    }
    if ('value' in source) {
      const valueType = jsonType(source.value);
      const ok = fits(expected, valueType);
      out.push({ ...base, source, value: source.value, valueType, check: ok ? 'ok' : 'type_mismatch', ...(ok ? {} : { message: `${key} expects ${expected.join(' or ')}, got ${valueType}` }) });
      continue;
    }
    const syntax = checkExpressionSyntax(source.expr);
    if (!syntax.ok) {
      out.push({ ...base, source, valueType: 'missing', error: { message: syntax.message ?? 'invalid expression', ...(syntax.position !== null ? { position: syntax.position } : {}), code: 'S0203' }, check: 'error', message: syntax.message ?? undefined });
      continue;
    }
    const unknown = [...source.expr.matchAll(/\$steps\.([A-Za-z0-9_]+)/g)].map((m) => m[1]!).find((id) => !known.has(id) || id === stepId);
    if (unknown) {
      out.push({ ...base, source, valueType: 'missing', check: 'unknown_step', message: `no earlier step has the id ${unknown}` });
      continue;
    }
    const value = evaluatePath(source.expr, context);
    const valueType = jsonType(value);
    let check: FieldPreview['check'] = 'ok';
    let message: string | undefined;
    if (valueType === 'missing' && required && !hasDefault) {
      check = 'missing_required';
      message = `${key} is required but the expression yields nothing for this sample`;
    } else if (!fits(expected, valueType)) {
      check = 'type_mismatch';
      message = `${key} expects ${expected.join(' or ')}, got ${valueType}`;
    }
    out.push({ ...base, source, ...(value !== undefined ? { value } : {}), valueType, check, ...(message ? { message } : {}) });
  }
  return out;
}
