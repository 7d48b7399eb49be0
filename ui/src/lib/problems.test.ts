import { describe, expect, it } from 'vitest';

import { fieldAttribute, locateProblems, parseProblemPath } from './problems';

describe('problem paths', () => {
  it('reads input, config, credential and edge paths', () => {
    expect(parseProblemPath('steps[1].inputs["url"]')).toEqual({ area: 'inputs', stepIndex: 1, field: 'url' });
    expect(parseProblemPath('steps[1].inputs["body.name"]')).toEqual({
      area: 'inputs',
      stepIndex: 1,
      field: 'body.name',
    });
    expect(parseProblemPath('steps[0].config.methods[0]')).toEqual({ area: 'config', stepIndex: 0, field: 'methods' });
    expect(parseProblemPath('steps[2].credential')).toEqual({ area: 'credential', stepIndex: 2, field: 'credential' });
    expect(parseProblemPath('edges[0].to')).toEqual({ area: 'edge', edgeIndex: 0 });
    expect(parseProblemPath('name')).toEqual({ area: 'flow' });
  });

  it('takes the field from the message when the path stops at inputs or config', () => {
    expect(parseProblemPath('steps[1].inputs', 'the required input url is not set')).toEqual({
      area: 'inputs',
      stepIndex: 1,
      field: 'url',
    });
    expect(parseProblemPath('steps[0].config', '"slug" is a required property')).toEqual({
      area: 'config',
      stepIndex: 0,
      field: 'slug',
    });
  });

  it('puts a problem of a declared field on that field', () => {
    expect(parseProblemPath('steps[1].fields[1]')).toEqual({ area: 'inputs', stepIndex: 1, declared: 1 });
    const doc = {
      schemaVersion: 1,
      name: 'T',
      edges: [],
      steps: [
        { id: 'stp_a', component: 'webhook', name: 'A' },
        {
          id: 'stp_b',
          component: 'http_request',
          name: 'B',
          fields: [
            { field: 'body.a', type: 'any' as const },
            { field: 'body.a', type: 'string' as const },
          ],
        },
      ],
    };
    const [located] = locateProblems([{ path: 'steps[1].fields[1]', message: 'body.a is declared twice' }], doc);
    expect(located).toMatchObject({ stepId: 'stp_b', target: { area: 'inputs', field: 'body.a' } });
  });

  it('names the panel field to focus', () => {
    expect(fieldAttribute({ area: 'inputs', field: 'url' })).toBe('inputs:url');
    expect(fieldAttribute({ area: 'credential', field: 'credential' })).toBe('credential');
    expect(fieldAttribute({ area: 'step' })).toBeNull();
  });
});
