import { describe, expect, it } from 'vitest';

import { fieldAttribute, parseProblemPath } from './problems';

describe('problem paths', () => {
  it('reads input, config, credential and edge paths', () => {
    expect(parseProblemPath('steps[1].inputs["url"]')).toEqual({ area: 'inputs', stepIndex: 1, field: 'url' });
    expect(parseProblemPath('steps[1].inputs["body.name"]')).toEqual({ area: 'inputs', stepIndex: 1, field: 'body.name' });
    expect(parseProblemPath('steps[0].config.methods[0]')).toEqual({ area: 'config', stepIndex: 0, field: 'methods' });
    expect(parseProblemPath('steps[2].credential')).toEqual({ area: 'credential', stepIndex: 2, field: 'credential' });
    expect(parseProblemPath('edges[0].to')).toEqual({ area: 'edge', edgeIndex: 0 });
    expect(parseProblemPath('name')).toEqual({ area: 'flow' });
  });

  it('takes the field from the message when the path stops at inputs or config', () => {
    expect(parseProblemPath('steps[1].inputs', 'the required input url is not set')).toEqual({ area: 'inputs', stepIndex: 1, field: 'url' });
    expect(parseProblemPath('steps[0].config', '"slug" is a required property')).toEqual({ area: 'config', stepIndex: 0, field: 'slug' });
  });

  it('names the panel field to focus', () => {
    expect(fieldAttribute({ area: 'inputs', field: 'url' })).toBe('inputs:url');
    expect(fieldAttribute({ area: 'credential', field: 'credential' })).toBe('credential');
    expect(fieldAttribute({ area: 'step' })).toBeNull();
  });
});
