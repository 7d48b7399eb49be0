/**
 * The mapping editor's source tree: a step's output shape from the schema
 * inferred over all its samples, filled with the values of the current
 * sample. Each node carries the JSONata path that maps it.
 */
import type { JsonValue } from '../bindings/serde_json/JsonValue';
import { asSchema, type JsonSchema } from './jsonSchema';

export interface SourceNode {
  /** The expression that reads this field: `$trigger.body.petname`, `$steps.stp_x.items[0]`. */
  path: string;
  /** What the tree shows: the key, `[0]`, or the step's name at the root. */
  label: string;
  /** JSON types the field can have (from the schema, else from the value). */
  types: string[];
  /** Some samples lack the field. */
  optional: boolean;
  /** The field can be null. */
  nullable: boolean;
  /** The current sample's value; absent when the sample lacks it. */
  value?: JsonValue;
  children: SourceNode[];
}

const MAX_ITEMS = 20;

/** `.key`, or `` .`content-type` `` when the key is not a plain name. */
export function childPath(parent: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${parent}.${key}` : `${parent}.\`${key.replace(/`/g, '')}\``;
}

function valueType(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function schemaTypes(schema: JsonSchema): string[] {
  if (schema.type === undefined) return schema.properties ? ['object'] : [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}

const isObject = (v: JsonValue | undefined): v is { [k: string]: JsonValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function build(
  path: string,
  label: string,
  schemaValue: unknown,
  value: JsonValue | undefined,
  optional: boolean,
  depth: number,
): SourceNode {
  const schema = asSchema(schemaValue);
  const declared = schemaTypes(schema);
  const types = declared.length > 0 ? declared : value !== undefined ? [valueType(value)] : [];
  const node: SourceNode = {
    path,
    label,
    types: types.filter((t) => t !== 'null').length > 0 ? types.filter((t) => t !== 'null') : types,
    optional,
    nullable: types.includes('null'),
    children: [],
  };
  if (value !== undefined) node.value = value;
  if (depth > 12) return node;
  if (types.includes('object') || isObject(value)) {
    const required = new Set(schema.required ?? []);
    const keys = Object.keys(schema.properties ?? {});
    if (isObject(value)) for (const k of Object.keys(value)) if (!keys.includes(k)) keys.push(k);
    const hasSchema = schema.properties !== undefined;
    node.children = keys.map((k) =>
      build(
        childPath(path, k),
        k,
        schema.properties?.[k],
        isObject(value) ? value[k] : undefined,
        hasSchema ? !required.has(k) : false,
        depth + 1,
      ),
    );
  } else if (types.includes('array') || Array.isArray(value)) {
    const items = Array.isArray(value) ? value.slice(0, MAX_ITEMS) : [];
    node.children =
      items.length > 0
        ? items.map((item, i) => build(`${path}[${i}]`, `[${i}]`, schema.items, item, false, depth + 1))
        : schema.items !== undefined
          ? [build(`${path}[0]`, '[0]', schema.items, undefined, true, depth + 1)]
          : [];
  }
  return node;
}

/**
 * The tree of one step's output. `schema` is the inferred schema (may be
 * empty); `sample` the current sample value (may be undefined): either one
 * alone is enough.
 */
export function buildSourceTree(
  rootPath: string,
  label: string,
  schema: unknown,
  sample: JsonValue | undefined,
): SourceNode {
  return build(rootPath, label, schema, sample, false, 0);
}

/** Nodes in display order, depth-first, with their depth (for flat keyboard lists). */
export function flattenTree(
  node: SourceNode,
  expanded: Set<string>,
  depth = 0,
  out: { node: SourceNode; depth: number }[] = [],
) {
  out.push({ node, depth });
  if (expanded.has(node.path)) for (const child of node.children) flattenTree(child, expanded, depth + 1, out);
  return out;
}

/** A short one-line rendering of a sample value. */
export function previewText(value: JsonValue | undefined, max = 60): string {
  if (value === undefined) return '';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
