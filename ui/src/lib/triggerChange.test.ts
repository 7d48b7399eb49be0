import { describe, expect, it } from 'vitest';

import type { Step } from '../bindings/Step';
import { builtInComponents } from '../test/components';
import { triggerReads } from './jsonata';
import { producedFields, readsBrokenBy } from './triggerChange';

const schedule = builtInComponents.find((c) => c.id === 'schedule')!;
const webhook = builtInComponents.find((c) => c.id === 'webhook')!;
const event = builtInComponents.find((c) => c.id === 'event')!;

describe('trigger reads of an expression', () => {
  it('finds $trigger paths and bare paths, which read the trigger output too', () => {
    expect(triggerReads('$trigger.body.petname & " " & body.`last name`')).toEqual([
      { field: 'body', path: '$trigger.body.petname' },
      { field: 'body', path: '$trigger.body.`last name`' },
    ]);
  });

  it('leaves out other variables, functions, strings and names inside filters', () => {
    expect(
      triggerReads('$steps.stp_http.body.id & $params.region & $uppercase("body") & $trigger.items[price > 5]'),
      'price is a field of each item, not of the trigger',
    ).toEqual([{ field: 'items', path: '$trigger.items' }]);
  });
});

describe('reads a new trigger breaks', () => {
  it("takes a trigger's fields from the top level of its example output", () => {
    expect([...producedFields(schedule)].sort()).toEqual(['firedAt', 'scheduledFor']);
    expect(producedFields(webhook).has('body'), 'a webhook produces the request body').toBe(true);
  });

  it('names each step and input that reads a field the new trigger lacks', () => {
    const steps: Step[] = [
      { id: 'stp_hook', component: 'webhook', name: 'Webhook', config: {} },
      {
        id: 'stp_call',
        component: 'http_request',
        name: 'Call the shop',
        inputs: {
          url: { value: 'http://127.0.0.1:9000/orders' },
          'body.id': { expr: '$trigger.body.x' },
          'body.at': { expr: 'scheduledFor' },
        },
      },
      { id: 'stp_log', component: 'transform', name: 'Log', inputs: { value: { expr: 'headers.`x-id`' } } },
    ];
    expect(readsBrokenBy(steps, 'stp_hook', schedule)).toEqual([
      { stepId: 'stp_call', stepName: 'Call the shop', input: 'body.id', path: '$trigger.body.x' },
      { stepId: 'stp_log', stepName: 'Log', input: 'value', path: '$trigger.headers.`x-id`' },
    ]);
    expect(readsBrokenBy(steps, 'stp_hook', webhook), 'a webhook still has body and headers').toEqual([
      { stepId: 'stp_call', stepName: 'Call the shop', input: 'body.at', path: '$trigger.scheduledFor' },
    ]);
    expect(readsBrokenBy(steps, 'stp_hook', event).map((r) => r.path)).toEqual([
      '$trigger.body.x',
      '$trigger.scheduledFor',
      '$trigger.headers.`x-id`',
    ]);
  });
});
