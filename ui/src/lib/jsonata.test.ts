import { describe, expect, it } from 'vitest';

import { completeExpression, tokenizeExpression, type CompletionData } from './jsonata';
import { buildSourceTree } from './sampleTree';

describe('JSONata tokenizer', () => {
  it('classifies the tokens of a sample expression', () => {
    const tokens = tokenizeExpression(
      '/* pet */ $uppercase($trigger.body.`pet-name`) & " x" in [1, 2.5] and true or null ~> $f',
    );
    expect(tokens.map((t) => [t.text, t.type])).toEqual([
      ['/* pet */', 'comment'],
      ['$uppercase', 'variableName.function'],
      ['(', 'bracket'],
      ['$trigger', 'variableName.special'],
      ['.', 'punctuation'],
      ['body', 'propertyName'],
      ['.', 'punctuation'],
      ['`pet-name`', 'propertyName'],
      [')', 'bracket'],
      ['&', 'operator'],
      ['" x"', 'string'],
      ['in', 'keyword'],
      ['[', 'bracket'],
      ['1', 'number'],
      [',', 'punctuation'],
      ['2.5', 'number'],
      [']', 'bracket'],
      ['and', 'keyword'],
      ['true', 'bool'],
      ['or', 'keyword'],
      ['null', 'null'],
      ['~>', 'operator'],
      ['$f', 'variableName.special'],
    ]);
  });

  it('keeps an unterminated comment and string as one token', () => {
    expect(tokenizeExpression("'abc")).toEqual([{ text: "'abc", type: 'string' }]);
    expect(tokenizeExpression('1 /* open')).toEqual([
      { text: '1', type: 'number' },
      { text: '/* open', type: 'comment' },
    ]);
    expect(tokenizeExpression('function($x) { $x * 2 }').map((t) => t.type)).toEqual([
      'keyword',
      'bracket',
      'variableName.special',
      'bracket',
      'bracket',
      'variableName.special',
      'operator',
      'number',
      'bracket',
    ]);
  });
});

describe('expression completion', () => {
  const data: CompletionData = {
    steps: [
      {
        id: 'stp_hook',
        name: 'Webhook',
        trigger: true,
        tree: buildSourceTree('$trigger', 'Webhook', {}, { body: { petname: 'Gromit', 'content-type': 'x' } }),
      },
      {
        id: 'stp_x',
        name: 'Lookup',
        trigger: false,
        tree: buildSourceTree(
          '$steps.stp_x',
          'Lookup',
          {},
          { id: 7, owner: { name: 'Wallace' }, items: [{ sku: 'a' }, { sku: 'b', qty: 2 }] },
        ),
      },
      { id: 'stp_y', name: 'Other', trigger: false },
    ],
  };
  const labels = (text: string) => completeExpression(text, data)?.options.map((o) => o.label);

  it('offers the step ids after $steps., labelled with the step names', () => {
    const found = completeExpression('$steps.', data)!;
    expect(found.from).toBe(7);
    expect(found.options.map((o) => [o.label, o.detail])).toEqual([
      ['stp_x', 'Lookup'],
      ['stp_y', 'Other'],
    ]);
  });

  it('offers the sample fields after $steps.<id>. and deeper paths', () => {
    const found = completeExpression('$string($steps.stp_x.', data)!;
    expect(found.from).toBe('$string($steps.stp_x.'.length);
    expect(found.options.map((o) => o.label)).toEqual(['id', 'owner', 'items']);
    expect(found.options[0]!.detail).toBe('integer');
    expect(labels('$steps.stp_x.owner.na')).toEqual(['name']);
    expect(completeExpression('$steps.stp_x.owner.na', data)!.from).toBe('$steps.stp_x.owner.'.length);
    expect(labels('$steps.stp_x.items.'), 'arrays map over their items').toEqual(['sku', 'qty']);
    expect(labels('$steps.stp_x.items[1].')).toEqual(['sku', 'qty']);
    expect(labels('$steps.stp_y.'), 'a step without a sample has nothing').toBeUndefined();
  });

  it('offers the trigger fields after $trigger., quoting odd names', () => {
    expect(labels('$trigger.')).toEqual(['body']);
    expect(labels('$trigger.body.')).toEqual(['petname', '`content-type`']);
  });

  it('offers variables and functions after $', () => {
    const found = completeExpression('$up', data)!;
    expect(found.from).toBe(0);
    const all = found.options.map((o) => o.label);
    expect(all).toEqual(
      expect.arrayContaining([
        '$trigger',
        '$steps.stp_x',
        '$steps.stp_y',
        '$params',
        '$execution',
        '$string',
        '$uppercase',
        '$substring',
        '$exists',
        '$now',
        '$sum',
        '$count',
      ]),
    );
    expect(found.options.find((o) => o.label === '$steps.stp_x')!.detail).toBe('Lookup');
    expect(found.options.find((o) => o.label === '$uppercase')!.apply).toBe('$uppercase()');
    expect(completeExpression('body', data), 'plain words only on request').toBeNull();
    expect(completeExpression('body', data, true)!.from).toBe(0);
  });
});
