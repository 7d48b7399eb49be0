/**
 * Flow parameters and the Manual trigger's run form as the designer sees
 * them: which values a run may be given, the checks a value or a parameter
 * gets as it is typed, and which field a refusal of the core is about. The
 * core checks every value again when it runs (crates/engine/src/params.rs);
 * these checks only say so before the user presses Run or Publish.
 */
import type { ApiError } from '../bindings/ApiError';
import type { ComponentDescriptor } from '../bindings/ComponentDescriptor';
import type { FieldType } from '../bindings/FieldType';
import type { FlowDocument } from '../bindings/FlowDocument';
import type { Parameter } from '../bindings/Parameter';
import type { JsonValue } from '../bindings/serde_json/JsonValue';
import { FIELD_TYPES, schemaOfType } from './inputs';
import { asSchema, validateValue, type JsonSchema } from './jsonSchema';

/** What a parameter or run-form field may be called, so `$params.<name>` reads it. */
export const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A value a run may be given. */
export interface RunField {
  name: string;
  title: string;
  type: FieldType;
  required: boolean;
  default?: JsonValue;
  description?: string;
  /**
   * Where the core puts it: a run-form field becomes part of the trigger's
   * output (`$trigger.params`), a flow parameter part of `$params`.
   */
  source: 'form' | 'parameter';
}

export type RunValues = Record<string, JsonValue | undefined>;

const isObject = (value: unknown): value is Record<string, JsonValue> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const asFieldType = (value: unknown, fallback: FieldType): FieldType =>
  FIELD_TYPES.includes(value as FieldType) ? (value as FieldType) : fallback;

/**
 * The fields of the trigger's run form. A trigger has one when its config
 * schema declares a `parameters` list of named fields (the Manual trigger,
 * M2.6), so no component is recognised by its id; a field's type defaults to
 * what that schema says.
 */
export function runFormFields(doc: FlowDocument, catalog: Record<string, ComponentDescriptor>): RunField[] {
  const trigger = doc.steps.find((s) => catalog[s.component]?.kind === 'trigger');
  if (!trigger) return [];
  const list = asSchema(asSchema(catalog[trigger.component]!.configSchema).properties?.parameters);
  const item = asSchema(list.items);
  if (list.type !== 'array' || !item.properties?.name) return [];
  const typeDefault = asFieldType(asSchema(item.properties.type).default, 'string');
  const entries = isObject(trigger.config) ? trigger.config.parameters : undefined;
  if (!Array.isArray(entries)) return [];
  const seen = new Set<string>();
  return entries.filter(isObject).flatMap((entry): RunField[] => {
    // A nameless or repeated field is the validator's to report; the form shows the first.
    if (typeof entry.name !== 'string' || entry.name === '' || seen.has(entry.name)) return [];
    seen.add(entry.name);
    const field: RunField = {
      name: entry.name,
      title: typeof entry.title === 'string' && entry.title !== '' ? entry.title : entry.name,
      type: asFieldType(entry.type, typeDefault),
      required: entry.required === true,
      source: 'form',
    };
    if (entry.default !== undefined && entry.default !== null) field.default = entry.default;
    return [field];
  });
}

/**
 * Everything a run of `doc` may be given: the run form's fields, then the
 * flow's overridable parameters. A name the form has goes to the form, as
 * the core sorts them, so such a parameter keeps its default.
 */
export function runFields(doc: FlowDocument, catalog: Record<string, ComponentDescriptor>): RunField[] {
  const form = runFormFields(doc, catalog);
  const taken = new Set(form.map((f) => f.name));
  const parameters = (doc.parameters ?? [])
    .filter((p) => p.overridable && !taken.has(p.name))
    .map((p): RunField => {
      const field: RunField = {
        name: p.name,
        title: p.name,
        type: p.type ?? 'any',
        required: p.required === true,
        source: 'parameter',
      };
      if (p.default !== null && p.default !== undefined) field.default = p.default;
      if (p.description) field.description = p.description;
      return field;
    });
  return [...form, ...parameters];
}

/** The JSON Schema of the values a run may be given, which the form's inputs are built from. */
export function runFieldSchema(fields: RunField[]): JsonSchema {
  return {
    type: 'object',
    required: fields.filter((f) => f.required).map((f) => f.name),
    properties: Object.fromEntries(
      fields.map((f) => {
        const schema: JsonSchema = { ...schemaOfType(f.type), title: f.title };
        if (f.description) schema.description = f.description;
        if (f.default !== undefined) schema.default = f.default;
        return [f.name, schema];
      }),
    ),
  };
}

/**
 * What the form shows at first: each default, and `false` for a checkbox
 * without one (an unticked box means false, not "not given").
 */
export function initialValues(fields: RunField[]): RunValues {
  return Object.fromEntries(
    fields.map((f) => [f.name, f.default !== undefined ? f.default : f.type === 'boolean' ? false : undefined]),
  );
}

/** Why `value` cannot run for `field`, or null. An empty field runs with the default. */
export function checkRunValue(field: RunField, value: JsonValue | undefined): string | null {
  if (value === undefined) {
    return field.required && field.default === undefined ? 'Required: enter a value' : null;
  }
  return validateValue(schemaOfType(field.type), value)[0] ?? null;
}

/** The values to send: those the form has, for the fields it shows. */
export function runParams(fields: RunField[], values: RunValues): Record<string, JsonValue> {
  const params: Record<string, JsonValue> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (value !== undefined) params[field.name] = value;
  }
  return params;
}

/** The codes with which the core refuses a run's values; each message names the parameter. */
export const PARAMETER_REFUSALS: ReadonlySet<string> = new Set([
  'unknown_parameter',
  'parameter_not_overridable',
  'invalid_parameter',
]);

/**
 * The field a refusal of the core is about: the first quoted name in its
 * message (`parameter "copies" must be an integer, not the text "many"`)
 * that is one of `names`; null for any other error.
 */
export function refusedField(error: ApiError, names: string[]): string | null {
  if (!PARAMETER_REFUSALS.has(error.code)) return null;
  for (const match of error.message.matchAll(/"([A-Za-z_][A-Za-z0-9_]*)"/g)) {
    if (names.includes(match[1]!)) return match[1]!;
  }
  return null;
}

/**
 * A parameter as the core writes it: `type`, `required` and `description`
 * only when they say something, in the core's field order, so a saved draft
 * reads like an exported flow file.
 */
export function cleanParameter(p: Parameter): Parameter {
  const clean = { name: p.name } as Parameter;
  if (p.type && p.type !== 'any') clean.type = p.type;
  clean.default = p.default ?? null;
  if (p.required) clean.required = true;
  clean.overridable = p.overridable;
  if (p.description) clean.description = p.description;
  return clean;
}

export interface ParameterProblems {
  name?: string;
  default?: string;
  required?: string;
}

/**
 * What the validator would say about each parameter (crates/engine's
 * `validate`), shown on the row as it is edited instead of at publish.
 */
export function parameterProblems(parameters: Parameter[]): ParameterProblems[] {
  const counts = new Map<string, number>();
  for (const p of parameters) counts.set(p.name, (counts.get(p.name) ?? 0) + 1);
  return parameters.map((p) => {
    const problems: ParameterProblems = {};
    if (!PARAMETER_NAME.test(p.name)) {
      problems.name =
        p.name === ''
          ? 'Give the parameter a name'
          : 'Use letters, digits and _, not starting with a digit, so $params.<name> works';
    } else if ((counts.get(p.name) ?? 0) > 1) {
      problems.name = `${p.name} is declared more than once`;
    }
    if (p.default !== null && p.default !== undefined) {
      const wrong = validateValue(schemaOfType(p.type ?? 'any'), p.default, 'the default')[0];
      if (wrong) problems.default = wrong;
    }
    if (p.required && (p.default === null || p.default === undefined) && !p.overridable) {
      problems.required = 'A required parameter needs a default, or must be overridable so callers can give it';
    }
    return problems;
  });
}
