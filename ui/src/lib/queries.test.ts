import { QueryClient } from '@tanstack/react-query';
import { describe, expect, it } from 'vitest';

import { invalidateFor, keys } from './queries';

/** A client holding one answer under each of `queryKeys`. */
function clientWith(queryKeys: readonly (readonly unknown[])[]) {
  const client = new QueryClient();
  for (const key of queryKeys) client.setQueryData(key, 'answer');
  return client;
}

const stale = (client: QueryClient, key: readonly unknown[]) => client.getQueryState(key)?.isInvalidated ?? false;

describe('invalidateFor', () => {
  it('refetches only the samples of the step that changed, and that flow’s previews', () => {
    const client = clientWith([
      keys.samples('flw_a', 'trigger'),
      keys.samples('flw_a', 'post'),
      keys.samples('flw_b', 'trigger'),
      [...keys.previewsOfFlow('flw_a'), 'post', 0],
      [...keys.previewsOfFlow('flw_b'), 'post', 0],
      keys.flow('flw_a'),
    ]);
    invalidateFor(client, { type: 'sampleChanged', flowId: 'flw_a', stepId: 'trigger' });
    expect(stale(client, keys.samples('flw_a', 'trigger'))).toBe(true);
    expect(stale(client, keys.samples('flw_a', 'post'))).toBe(false);
    expect(stale(client, keys.samples('flw_b', 'trigger'))).toBe(false);
    expect(stale(client, [...keys.previewsOfFlow('flw_a'), 'post', 0])).toBe(true);
    expect(stale(client, [...keys.previewsOfFlow('flw_b'), 'post', 0])).toBe(false);
    expect(stale(client, keys.flow('flw_a')), 'a sample is not a draft change').toBe(false);
  });

  it('refetches every list of executions, the one execution, and the flow it belongs to', () => {
    const client = clientWith([
      [...keys.executions(null), 25],
      [...keys.executions('flw_b'), 25],
      keys.execution('exe_1'),
      keys.execution('exe_2'),
      keys.flow('flw_a'),
      keys.flow('flw_b'),
      [...keys.inbox('flw_a'), 20],
    ]);
    invalidateFor(client, {
      type: 'executionChanged',
      executionId: 'exe_1',
      flowId: 'flw_a',
      status: 'succeeded',
      stepId: null,
    });
    expect(stale(client, [...keys.executions(null), 25])).toBe(true);
    expect(stale(client, [...keys.executions('flw_b'), 25])).toBe(true);
    expect(stale(client, keys.execution('exe_1'))).toBe(true);
    expect(stale(client, keys.execution('exe_2'))).toBe(false);
    expect(stale(client, keys.flow('flw_a'))).toBe(true);
    expect(stale(client, keys.flow('flw_b'))).toBe(false);
    expect(stale(client, [...keys.inbox('flw_a'), 20])).toBe(true);
  });

  it('refetches the run log’s pages, whatever their filters, and the dashboard when an execution changes', () => {
    const client = clientWith([
      keys.runLog({}),
      keys.runLog({ flow: 'flw_b', status: 'failed', since: '2h' }),
      keys.dashboard,
      keys.settings,
    ]);
    invalidateFor(client, {
      type: 'executionChanged',
      executionId: 'exe_1',
      flowId: 'flw_a',
      status: 'running',
      stepId: 'stp_post',
    });
    expect(stale(client, keys.runLog({}))).toBe(true);
    expect(
      stale(client, keys.runLog({ flow: 'flw_b', status: 'failed', since: '2h' })),
      'another flow’s filter too',
    ).toBe(true);
    expect(stale(client, keys.dashboard), 'today’s counts and the last run move on').toBe(true);
    expect(stale(client, keys.settings)).toBe(false);
  });

  it('refetches every flow’s hooks and the settings when the listener moves', () => {
    const client = clientWith([keys.hooks('flw_a'), keys.hooks('flw_b'), keys.settings, keys.flows]);
    invalidateFor(client, { type: 'listenerChanged' });
    expect(stale(client, keys.hooks('flw_a'))).toBe(true);
    expect(stale(client, keys.hooks('flw_b'))).toBe(true);
    expect(stale(client, keys.settings)).toBe(true);
    expect(stale(client, keys.flows)).toBe(false);
  });
});
