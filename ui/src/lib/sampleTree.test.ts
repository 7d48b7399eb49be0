import { describe, expect, it } from 'vitest';

import type { JsonValue } from '../bindings/serde_json/JsonValue';
import { buildSourceTree, childPath } from './sampleTree';

const find = (
  node: ReturnType<typeof buildSourceTree>,
  path: string,
): ReturnType<typeof buildSourceTree> | undefined =>
  node.path === path ? node : node.children.map((c) => find(c, path)).find(Boolean);

describe('source tree', () => {
  it('builds paths, types and values from the schema and the current sample', () => {
    const samples: JsonValue[] = [
      { body: { petname: 'Gromit', tags: ['a', 'b'], owner: null } },
      { body: { petname: 'Wallace', age: 3, owner: { name: 'W' } } },
    ];
    // The core's inferSchema answer for these two samples.
    const inferred: JsonValue = {
      type: 'object',
      properties: {
        body: {
          type: 'object',
          properties: {
            age: { type: 'integer' },
            owner: {
              type: ['null', 'object'],
              nullable: true,
              properties: { name: { type: 'string' } },
              required: ['name'],
            },
            petname: { type: 'string' },
            tags: { type: 'array', items: { type: 'string' } },
          },
          required: ['owner', 'petname'],
        },
      },
      required: ['body'],
    };
    const tree = buildSourceTree('$trigger', 'Webhook', inferred, samples[0]!);
    expect(
      find(tree, '$trigger.body.petname'),
      'a field in every sample is required and carries its value',
    ).toMatchObject({ types: ['string'], optional: false, value: 'Gromit' });
    expect(
      find(tree, '$trigger.body.age'),
      'a field some samples lack is optional, shown without a value',
    ).toMatchObject({ types: ['integer'], optional: true });
    expect(find(tree, '$trigger.body.age')!.value).toBeUndefined();
    expect(find(tree, '$trigger.body.owner'), 'null in one sample marks the field nullable').toMatchObject({
      nullable: true,
      types: ['object'],
    });
    expect(
      find(tree, '$trigger.body.tags')!.children.map((c) => c.path),
      'arrays expand into their items',
    ).toEqual(['$trigger.body.tags[0]', '$trigger.body.tags[1]']);
  });

  it('works from a sample alone and from a schema alone', () => {
    const fromSample = buildSourceTree('$steps.stp_x', 'Lookup', {}, { id: 7 });
    expect(find(fromSample, '$steps.stp_x.id')).toMatchObject({ types: ['integer'], value: 7 });
    const fromSchema = buildSourceTree(
      '$trigger',
      'T',
      {
        type: 'object',
        properties: { list: { type: 'array', items: { type: 'object', properties: { n: { type: 'string' } } } } },
      },
      undefined,
    );
    expect(find(fromSchema, '$trigger.list[0].n'), 'an empty array still shows the item shape').toMatchObject({
      types: ['string'],
    });
  });

  it('quotes keys that are not plain names with backticks', () => {
    expect(childPath('$trigger.headers', 'content-type')).toBe('$trigger.headers.`content-type`');
    expect(childPath('$trigger', 'body')).toBe('$trigger.body');
  });
});

import { checkJson } from '../views/designer/JsonEditor';

describe('JSON check', () => {
  it('reports where JSON text breaks by line and column', () => {
    expect(checkJson('{\n  "a": }').error).toBe('Unexpected "}" at line 2, column 8');
    expect(checkJson('{"a": "x\\q"}').error).toMatch(/Invalid escape at line 1/);
    expect(checkJson('[1, 2').error).toBe('Expected "," or "]", found end of input at line 1, column 6');
    expect(checkJson('{"a": [true, null, -1.5e3, "\\u00e9"]}').value).toEqual({ a: [true, null, -1500, 'é'] });
  });
});
