import { describe, expect, it } from 'vitest';

import type { FlowDocument } from '../bindings/FlowDocument';
import { catalogOf } from '../editor/convert';
import { builtInComponents } from '../test/components';
import {
  checkRunValue,
  cleanParameter,
  initialValues,
  parameterProblems,
  refusedField,
  runFields,
  runParams,
  type RunField,
} from './parameters';

const catalog = catalogOf(builtInComponents);

/** A Manual trigger with a run form, and three flow parameters. */
const orders: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_orders',
  name: 'Orders',
  parameters: [
    { name: 'region', type: 'string', default: 'EU', overridable: true, description: 'where orders ship from' },
    { name: 'limit', type: 'integer', default: 10, overridable: false },
    { name: 'copies', type: 'integer', default: 1, overridable: true },
    { name: 'tags', default: null, required: true, overridable: true },
  ],
  steps: [
    {
      id: 'stp_run',
      component: 'manual',
      name: 'Run',
      config: {
        parameters: [
          { name: 'copies', type: 'integer', required: true, default: 2 },
          { name: 'who', title: 'Who asks' },
          { name: 'dryRun', type: 'boolean' },
          { name: 'copies', type: 'string' },
        ],
      },
    },
  ],
  edges: [],
};

const field = (fields: RunField[], name: string) => fields.find((f) => f.name === name)!;

describe('the values a run may be given', () => {
  it('lists the run form, then the overridable parameters the form does not name', () => {
    const fields = runFields(orders, catalog);
    expect(fields.map((f) => [f.source, f.name, f.type])).toEqual([
      ['form', 'copies', 'integer'],
      ['form', 'who', 'string'],
      ['form', 'dryRun', 'boolean'],
      ['parameter', 'region', 'string'],
      ['parameter', 'tags', 'any'],
    ]);
    expect(field(fields, 'who'), 'an untyped form field is text, as the Manual trigger says').toMatchObject({
      title: 'Who asks',
      required: false,
    });
    expect(field(fields, 'copies').default, "the form's copies, not the parameter's").toBe(2);
    expect(field(fields, 'region').description).toBe('where orders ship from');
    expect(
      fields.some((f) => f.name === 'limit'),
      'a parameter callers may not set is not asked for',
    ).toBe(false);
  });

  it('asks nothing of a flow without a run form or overridable parameters', () => {
    const webhook: FlowDocument = {
      schemaVersion: 1,
      name: 'Hook',
      parameters: [{ name: 'limit', default: 5, overridable: false }],
      steps: [{ id: 'stp_hook', component: 'webhook', name: 'Webhook', config: { slug: 'x' } }],
      edges: [],
    };
    expect(runFields(webhook, catalog)).toEqual([]);
    expect(runFields({ ...orders, parameters: [], steps: [{ ...orders.steps[0]!, config: {} }] }, catalog)).toEqual([]);
  });

  it('fills in defaults, and false for a checkbox without one', () => {
    expect(initialValues(runFields(orders, catalog))).toEqual({
      copies: 2,
      who: undefined,
      dryRun: false,
      region: 'EU',
      tags: undefined,
    });
  });

  it('checks a value by its type, and a required one without a default for presence', () => {
    const fields = runFields(orders, catalog);
    expect(checkRunValue(field(fields, 'copies'), 'many')).toBe('expected integer, got string');
    expect(checkRunValue(field(fields, 'copies'), 2.5)).toBe('expected integer, got number');
    expect(checkRunValue(field(fields, 'copies'), 3)).toBeNull();
    expect(checkRunValue(field(fields, 'copies'), undefined), 'an empty field runs with the default').toBeNull();
    expect(checkRunValue(field(fields, 'tags'), undefined)).toBe('Required: enter a value');
    expect(checkRunValue(field(fields, 'tags'), ['a']), 'any type will do').toBeNull();
  });

  it('sends only the values the form holds', () => {
    const fields = runFields(orders, catalog);
    expect(runParams(fields, { copies: 3, who: undefined, region: 'NA', stray: 1 })).toEqual({
      copies: 3,
      region: 'NA',
    });
  });

  it('finds the field a refusal of the core names, and none for other errors', () => {
    const names = ['copies', 'who'];
    // The core's messages (crates/engine/src/params.rs).
    expect(
      refusedField(
        { code: 'invalid_parameter', message: 'parameter "copies" must be an integer, not the text "who"' },
        names,
      ),
      'the first quoted name that is a field',
    ).toBe('copies');
    expect(
      refusedField({ code: 'invalid_parameter', message: 'parameter "who" is required and has no value' }, names),
    ).toBe('who');
    expect(refusedField({ code: 'unknown_parameter', message: 'the flow has no parameter "cuont"' }, names)).toBeNull();
    expect(refusedField({ code: 'flow_not_found', message: 'no flow "copies"' }, names)).toBeNull();
  });
});

describe('editing parameters', () => {
  it('flags bad and repeated names, defaults of another type, and a required value nobody can give', () => {
    expect(
      parameterProblems([
        { name: 'limit', type: 'integer', default: 'ten', overridable: true },
        { name: '2fast', default: null, overridable: true },
        { name: 'limit', default: null, overridable: true },
        { name: '', default: null, overridable: true },
        { name: 'region', type: 'string', default: null, required: true, overridable: false },
        { name: 'ok_1', type: 'number', default: 2, required: true, overridable: false },
      ]),
    ).toEqual([
      { name: 'limit is declared more than once', default: 'the default: expected integer, got string' },
      { name: 'Use letters, digits and _, not starting with a digit, so $params.<name> works' },
      { name: 'limit is declared more than once' },
      { name: 'Give the parameter a name' },
      { required: 'A required parameter needs a default, or must be overridable so callers can give it' },
      {},
    ]);
  });

  it('writes a parameter as the core does: what says nothing is left out, in the core order', () => {
    const written = cleanParameter({
      description: '',
      overridable: true,
      required: false,
      default: 3,
      type: 'any',
      name: 'n',
    });
    expect(JSON.stringify(written)).toBe('{"name":"n","default":3,"overridable":true}');
    expect(
      JSON.stringify(
        cleanParameter({
          overridable: false,
          description: 'd',
          required: true,
          default: null,
          type: 'array',
          name: 'a',
        }),
      ),
    ).toBe('{"name":"a","type":"array","default":null,"required":true,"overridable":false,"description":"d"}');
  });
});
