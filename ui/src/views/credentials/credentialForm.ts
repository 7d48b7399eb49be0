/**
 * The values of a credential form, generated from its kind's field schema
 * (`credentialKinds`): what the inputs hold (text, or a flag) and how they
 * become the `fields` and `secrets` the core takes. Secrets are write-only:
 * an edit form starts them blank, and a blank secret is left out, which the
 * core reads as "keep the stored one".
 */
import type { CredentialFieldSchema } from '../../bindings/CredentialFieldSchema';
import type { CredentialView } from '../../bindings/CredentialView';
import type { JsonValue } from '../../bindings/serde_json/JsonValue';

/** What each input holds: text for every type but flags. */
export type FormValues = Record<string, string | boolean>;

/** The form's starting values: empty for a new credential, the saved non-secret fields for an edit. */
export function initialValues(fields: CredentialFieldSchema[], saved?: CredentialView): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    if (field.type === 'flag') {
      values[field.name] = saved?.fields[field.name] === true;
      continue;
    }
    const value = field.secret ? undefined : saved?.fields[field.name];
    if (Array.isArray(value)) values[field.name] = value.map(String).join(', ');
    else if (value === undefined || value === null) values[field.name] = '';
    else values[field.name] = String(value);
  }
  return values;
}

/**
 * Splits the form into non-secret `fields` (typed as the kind declares:
 * lists, seconds, flags) and `secrets`; empty inputs are left out. A value
 * that is not what its type wants is sent as typed, so the core's message
 * names the field.
 */
export function toArgs(
  fields: CredentialFieldSchema[],
  values: FormValues,
): { fields: Record<string, JsonValue>; secrets: Record<string, string> } {
  const out: { fields: Record<string, JsonValue>; secrets: Record<string, string> } = { fields: {}, secrets: {} };
  for (const field of fields) {
    const value = values[field.name];
    if (field.type === 'flag') {
      if (value === true) out.fields[field.name] = true;
      continue;
    }
    const text = typeof value === 'string' ? value : '';
    if (field.secret) {
      // Secrets are taken exactly as typed: a trailing space may be part of a password.
      if (text !== '') out.secrets[field.name] = text;
      continue;
    }
    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (field.type === 'text_list' || field.type === 'host_list') {
      out.fields[field.name] = trimmed
        .split(/[,\n]/)
        .map((item) => item.trim())
        .filter((item) => item !== '');
    } else if (field.type === 'seconds' && /^\d+$/.test(trimmed)) {
      out.fields[field.name] = Number(trimmed);
    } else {
      out.fields[field.name] = trimmed;
    }
  }
  return out;
}

/** The required fields still empty; secrets of an edit are never missing (blank keeps them). */
export function missingRequired(fields: CredentialFieldSchema[], values: FormValues, editing: boolean): string[] {
  return fields
    .filter((field) => field.required && !(editing && field.secret))
    .filter((field) => {
      const value = values[field.name];
      return typeof value === 'string' ? (field.secret ? value === '' : value.trim() === '') : false;
    })
    .map((field) => field.title);
}
