import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';

import { createApi } from '../api';
import type { Execution } from '../bindings/Execution';
import { ApiProvider } from '../lib/apiContext';
import { stubPlatform } from '../test/stubPlatform';
import { ExecutionDetail } from './ExecutionList';

/** An execution whose POST step was retried twice, then resumed after a restart. */
const retried: Execution = {
  id: 'exe_1',
  flowId: 'flw_pay',
  version: 1,
  trigger: 'manual',
  status: 'succeeded',
  input: { params: {} },
  params: {},
  output: { status: 201 },
  error: null,
  failedStep: null,
  reply: null,
  createdAt: '2026-12-01T10:00:00Z',
  startedAt: '2026-12-01T10:00:00Z',
  finishedAt: '2026-12-01T10:00:03Z',
  durationMs: 3000,
  steps: [
    {
      stepId: 'stp_pay',
      name: 'Pay',
      component: 'http_request',
      status: 'succeeded',
      input: { method: 'POST' },
      output: { status: 201 },
      error: null,
      startedAt: '2026-12-01T10:00:00Z',
      durationMs: 2900,
      resumed: true,
      attempts: [
        {
          startedAt: '2026-12-01T10:00:00Z',
          durationMs: 12,
          error: 'POST … answered 503 Service Unavailable',
          waitedMs: 1000,
        },
        {
          startedAt: '2026-12-01T10:00:01Z',
          durationMs: 9,
          error: 'POST … answered 503 Service Unavailable',
          waitedMs: 1900,
        },
        { startedAt: '2026-12-01T10:00:03Z', durationMs: 20 },
      ],
    },
  ],
};

describe('execution detail', () => {
  it('lists the attempts of a retried step and marks a resumed one', async () => {
    const api = createApi(stubPlatform({ getExecution: () => retried }));
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    render(
      <QueryClientProvider client={client}>
        <ApiProvider api={api}>
          <ExecutionDetail id="exe_1" />
        </ApiProvider>
      </QueryClientProvider>,
    );
    expect((await screen.findByTestId('step-attempt-count')).textContent).toBe('3 attempts');
    expect(screen.getByText('resumed')).toBeTruthy();
    const attempts = within(screen.getByTestId('step-attempts')).getAllByRole('listitem');
    expect(attempts).toHaveLength(3);
    expect(attempts[0]!.textContent).toContain('503 Service Unavailable');
    expect(attempts[0]!.textContent).toContain('waited 1.00 s');
    expect(attempts[2]!.textContent).toContain('succeeded');
  });
});
