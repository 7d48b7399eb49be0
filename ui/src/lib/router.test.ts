import { describe, expect, it } from 'vitest';

import { parseHash, routeHash } from './router';
import { localDate, timeRangeOf } from './runFilters';

describe('routes', () => {
  it('keeps the run log filters in the address, in one order, and reads them back', () => {
    const route = parseHash('#/runs?since=2h&status=failed&flow=flw_orders&search=7c1f&colour=red');
    expect(route, 'a parameter the log does not know is dropped').toEqual({
      name: 'runs',
      filters: { flow: 'flw_orders', status: 'failed', since: '2h', search: '7c1f' },
    });
    expect(routeHash(route)).toBe('#/runs?flow=flw_orders&status=failed&since=2h&search=7c1f');
    expect(routeHash({ name: 'runs', filters: { trigger: 'webhook', until: '' } })).toBe('#/runs?trigger=webhook');
    expect(parseHash('#/runs?status=exploded'), 'a status the core does not have').toEqual({
      name: 'runs',
      filters: {},
    });
  });

  it('opens an execution by id, and a flow with a step marked as failed', () => {
    expect(parseHash('#/runs/exe_01%2Fx')).toEqual({ name: 'execution', executionId: 'exe_01/x' });
    expect(routeHash({ name: 'execution', executionId: 'exe_01/x' })).toBe('#/runs/exe_01%2Fx');
    const designer = { name: 'designer', flowId: 'flw_a', step: 'stp_count', failed: true } as const;
    expect(routeHash(designer)).toBe('#/flows/flw_a?step=stp_count&failed=1');
    expect(parseHash(routeHash(designer))).toEqual(designer);
    expect(parseHash('#/flows'), 'the flow list is the dashboard').toEqual({ name: 'flows' });
  });

  it('tells a quick time range from typed times', () => {
    expect(timeRangeOf({})).toBe('any');
    expect(timeRangeOf({ since: '1h' })).toBe('hour');
    expect(timeRangeOf({ since: localDate() })).toBe('today');
    expect(timeRangeOf({ since: '2026-01-01' })).toBe('custom');
    expect(timeRangeOf({ since: '7d', until: '1d' }), 'an end makes it a typed range').toBe('custom');
    expect(localDate(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});
