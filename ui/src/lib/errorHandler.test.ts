import { describe, expect, it } from 'vitest';

import type { Execution } from '../bindings/Execution';
import type { FlowSummary } from '../bindings/FlowSummary';
import { exampleFailure, failureOf, failureProblem, findHandler, namesFlow } from './errorHandler';

const flow = (id: string, slug: string | null, liveSlug: string | null) =>
  ({ id, slug, liveSlug }) as Pick<FlowSummary, 'id' | 'slug' | 'liveSlug'>;

const failed: Execution = {
  id: 'exe_1',
  flowId: 'flw_orders',
  version: null,
  trigger: 'manual',
  status: 'failed',
  input: { params: {} },
  params: {},
  output: null,
  error: 'no trigger output',
  failedStep: null,
  reply: null,
  createdAt: '2026-12-03T11:00:00.000Z',
  startedAt: null,
  finishedAt: '2026-12-03T11:00:00.001Z',
  durationMs: 1,
  steps: [],
};

describe('error handlers', () => {
  it('find the flow an errorHandler names as the core does: id, then slug, then live slug', () => {
    const flows = [flow('flw_a', 'b', null), flow('flw_b', null, 'a'), flow('b', null, null)];
    expect(findHandler(flows, 'b')?.id, 'an id wins over a slug').toBe('b');
    expect(findHandler(flows, 'a')?.id).toBe('flw_b');
    expect(findHandler(flows, 'nope')).toBeUndefined();
    expect(namesFlow('a', flows[1]!)).toBe(true);
    expect(namesFlow(undefined, flows[1]!)).toBe(false);
  });

  it('build a failure with no failed step, and count one attempt for a step tried once', () => {
    expect(failureOf(failed, 'Orders')).toMatchObject({ failedStep: null, error: 'no trigger output' });
    const once: Execution = {
      ...failed,
      failedStep: 'stp_x',
      steps: [
        {
          stepId: 'stp_x',
          name: 'X',
          component: 'transform',
          status: 'failed',
          input: { value: 1 },
          output: null,
          error: 'boom',
          startedAt: null,
          durationMs: 0,
        },
      ],
    };
    expect(failureOf(once, 'Orders')).toMatchObject({
      execution: { id: 'exe_1', flowName: 'Orders', version: null },
      failedStep: { id: 'stp_x', name: 'X', component: 'transform', input: { value: 1 }, attempts: 1 },
    });
  });

  it('check the shape of a sample failure', () => {
    expect(failureProblem(exampleFailure())).toBeNull();
    expect(failureProblem([])).toMatch(/is an object/);
    expect(failureProblem({ execution: {}, failedStep: null, error: 'x' })).toMatch(/execution.id/);
    expect(failureProblem({ execution: { id: 'e' }, failedStep: 3, error: 'x' })).toMatch(/object or null/);
    expect(failureProblem({ execution: { id: 'e' }, failedStep: null })).toMatch(/"error" is missing/);
  });
});
