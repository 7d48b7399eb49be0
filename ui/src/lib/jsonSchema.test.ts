import { describe, expect, it } from 'vitest';

import { builtInComponents } from '../test/components';
import {
  convertInput,
  expression,
  formatLenient,
  literal,
  parseLenient,
  subFieldKeys,
  withConfigValue,
  withInput,
} from './inputs';
import { describeFields, fieldKind, validateValue } from './jsonSchema';

const schemaOf = (id: string, which: 'configSchema' | 'inputSchema') =>
  builtInComponents.find((c) => c.id === id)![which];

describe('form fields from JSON Schema', () => {
  it('turns the HTTP Request input schema into typed fields with required marks and defaults', () => {
    const fields = describeFields(schemaOf('http_request', 'inputSchema'));
    expect(fields.map((f) => [f.key, f.kind])).toEqual([
      ['method', 'enum'],
      ['url', 'string'],
      ['headers', 'json'],
      ['query', 'json'],
      ['body', 'json'],
      ['timeoutMs', 'integer'],
      ['failOnHttpError', 'boolean'],
      ['followRedirects', 'boolean'],
      ['maxResponseBytes', 'integer'],
    ]);
    const byKey = Object.fromEntries(fields.map((f) => [f.key, f]));
    expect(byKey.url!.required).toBe(true);
    expect(byKey.method!.required).toBe(false);
    expect(byKey.method!.default).toBe('GET');
    expect(byKey.method!.options).toContain('POST');
    expect(byKey.failOnHttpError!.default).toBe(true);
    expect(byKey.maxResponseBytes!.default).toBe(10 * 1024 * 1024);
    expect(byKey.followRedirects!.default).toBe(true);
    expect(byKey.url!.description).toBe('An http:// or https:// URL.');
    expect(byKey.body!.openObject).toBe(true);
    expect(byKey.headers!.openObject).toBe(true);
    expect(byKey.url!.openObject).toBe(false);
  });

  it('reads the webhook config: a method checklist, a pattern-checked slug, lists of strings', () => {
    const fields = Object.fromEntries(describeFields(schemaOf('webhook', 'configSchema')).map((f) => [f.key, f]));
    expect(fields.methods!.kind).toBe('enumList');
    expect(fields.methods!.options).toEqual(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
    expect(fields.methods!.default).toEqual(['POST']);
    expect(fields.slug!.kind).toBe('string');
    expect(fields.respond!.kind).toBe('enum');
    expect(fields.timeoutMs!.kind).toBe('integer');
    expect(fields.policies!.kind).toBe('stringList');
  });

  it('falls back to a JSON editor for objects, arrays of objects and untyped fields', () => {
    expect(fieldKind({ type: 'object' })).toBe('json');
    expect(fieldKind({ type: 'array', items: { type: 'object' } })).toBe('json');
    expect(fieldKind({})).toBe('json');
    expect(fieldKind({ type: ['string', 'null'] })).toBe('string');
    expect(fieldKind({ type: 'number' })).toBe('number');
  });

  it('validates literals against the field schema', () => {
    const webhook = schemaOf('webhook', 'configSchema');
    expect(validateValue(webhook, { slug: 'pets', methods: ['POST'] })).toEqual([]);
    expect(validateValue(webhook, { slug: '-bad slug' })[0]).toMatch(/^slug: does not match/);
    expect(validateValue(webhook, { methods: [] })[0]).toMatch(/at least 1 item/);
    expect(validateValue(webhook, { methods: ['POST', 'POST'] })[0]).toMatch(/duplicate/);
    expect(validateValue(webhook, { nope: 1 })).toEqual(['nope is not allowed']);
    expect(validateValue({ type: 'integer', minimum: 1 }, 0)).toEqual(['must be at least 1']);
    expect(validateValue({ type: 'integer' }, 1.5)[0]).toMatch(/expected integer/);
    expect(validateValue({ type: 'string', minLength: 1 }, '')).toEqual(['must not be empty']);
  });
});

describe('literal and expression inputs', () => {
  it('produces {value} for literals and {expr} for expressions', () => {
    let inputs = withInput({}, 'url', literal('http://127.0.0.1:9000/pet'));
    inputs = withInput(inputs, 'method', literal('POST'));
    inputs = withInput(inputs, 'body.name', expression('$trigger.body.petname'));
    expect(inputs).toEqual({
      url: { value: 'http://127.0.0.1:9000/pet' },
      method: { value: 'POST' },
      'body.name': { expr: '$trigger.body.petname' },
    });
    expect(subFieldKeys(inputs, 'body')).toEqual(['body.name']);
    expect(Object.keys(withInput(inputs, 'method', undefined))).toEqual(['url', 'body.name']);
  });

  it('keeps what it can when switching a field between literal and expression', () => {
    expect(convertInput(literal('POST'), 'expr')).toEqual({ expr: '"POST"' });
    expect(convertInput(expression('"POST"'), 'literal')).toEqual({ value: 'POST' });
    expect(convertInput(expression('42'), 'literal')).toEqual({ value: 42 });
    expect(convertInput(expression('$trigger.body'), 'literal')).toBeUndefined();
    expect(convertInput(undefined, 'expr')).toBeUndefined();
  });

  it('reads free-form literals as JSON when they are JSON, else as text', () => {
    expect(parseLenient('42')).toBe(42);
    expect(parseLenient('true')).toBe(true);
    expect(parseLenient('{"a":1}')).toEqual({ a: 1 });
    expect(parseLenient('Gromit')).toBe('Gromit');
    expect(formatLenient('42')).toBe('"42"');
    expect(formatLenient('Gromit')).toBe('Gromit');
    expect(parseLenient(formatLenient('42'))).toBe('42');
  });

  it('sets and clears config values', () => {
    expect(withConfigValue({ slug: 'a' }, 'methods', ['POST'])).toEqual({ slug: 'a', methods: ['POST'] });
    expect(withConfigValue({ slug: 'a' }, 'slug', undefined)).toEqual({});
    expect(withConfigValue(null, 'slug', 'pets')).toEqual({ slug: 'pets' });
  });
});
