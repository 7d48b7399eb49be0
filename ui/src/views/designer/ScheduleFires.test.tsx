import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { createApi } from '../../api';
import type { ApiError } from '../../bindings/ApiError';
import type { FlowDocument } from '../../bindings/FlowDocument';
import type { SchedulePreview } from '../../bindings/SchedulePreview';
import { catalogOf } from '../../editor/convert';
import { useEditor } from '../../editor/store';
import { ApiProvider } from '../../lib/apiContext';
import { builtInComponents } from '../../test/components';
import { stubPlatform, type Answers } from '../../test/stubPlatform';
import { StepPanel } from './StepPanel';

const doc: FlowDocument = {
  schemaVersion: 1,
  id: 'flw_s',
  name: 'Nightly',
  steps: [{ id: 'stp_tick', component: 'schedule', name: 'Schedule', config: {} }],
  edges: [],
};

// What the core answered for `0 9 * * MON-FRI` in Berlin on Friday 27 March 2026:
// the clocks go forward on the Sunday, so the offset changes between fires.
const weekdays: SchedulePreview = {
  timezone: 'Europe/Berlin',
  fires: [
    '2026-03-27T09:00:00+01:00',
    '2026-03-30T09:00:00+02:00',
    '2026-03-31T09:00:00+02:00',
    '2026-04-01T09:00:00+02:00',
    '2026-04-02T09:00:00+02:00',
  ],
};

// The core's refusal of a cron expression with a minute out of range.
const badMinute: ApiError = {
  code: 'invalid_input',
  message: 'cron "61 9 * * *" is not valid: minute 61 is out of range 0-59',
};

const notSaved: ApiError = {
  code: 'flow_not_found',
  message: 'no flow "flw_s": give a flow id (flw_…) or a webhook slug',
};

function renderSchedulePanel(previewSchedule: Answers['previewSchedule']) {
  const platform = stubPlatform({
    // The trigger's samples section asks about the stored flow; this draft was never saved.
    getFlow: () => {
      throw notSaved;
    },
    listSamples: () => [],
    previewSchedule,
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <ApiProvider api={createApi(platform)}>
        <StepPanel stepId="stp_tick" component={builtInComponents.find((c) => c.id === 'schedule')} />
      </ApiProvider>
    </QueryClientProvider>,
  );
  return platform;
}

const previews = (platform: ReturnType<typeof stubPlatform>) =>
  platform.calls.filter((c) => c.op === 'previewSchedule').map((c) => c.args);

beforeEach(() => {
  useEditor.getState().load('flw_s', doc, catalogOf(builtInComponents));
});

describe('schedule trigger fires', () => {
  it('asks nothing until a cron expression or date is typed', () => {
    const platform = renderSchedulePanel(() => weekdays);
    expect(screen.getByText(/Type a cron expression or a date/)).toBeTruthy();
    expect(previews(platform), 'an empty schedule has no fires to ask for').toEqual([]);
  });

  it('shows the next five fires in the chosen zone once typing pauses', async () => {
    const platform = renderSchedulePanel(({ config }) => {
      expect(config).toEqual({ cron: '0 9 * * MON-FRI', timezone: 'Europe/Berlin' });
      return weekdays;
    });
    const cron = screen.getByLabelText('Cron expression');
    // Typed key by key: each keystroke changes the draft, but only the pause asks the core.
    for (const text of ['0', '0 9', '0 9 * * MON', '0 9 * * MON-FRI']) {
      fireEvent.change(cron, { target: { value: text } });
    }
    fireEvent.change(screen.getByLabelText('Time zone'), { target: { value: 'Europe/Berlin' } });

    const list = await screen.findByTestId('schedule-fires', {}, { timeout: 3000 });
    const times = [...list.querySelectorAll('time')].map((t) => t.getAttribute('dateTime'));
    expect(times, "the core's five fires, soonest first").toEqual(weekdays.fires);
    expect(screen.getByTestId('schedule-zone').textContent).toBe('Europe/Berlin');
    // Shown on Berlin's clock, whatever zone the test machine runs in.
    expect(list.querySelector('time')!.textContent).toMatch(/9:00:00|09:00:00/);
    expect(previews(platform), 'the typing was debounced into one request').toHaveLength(1);
  });

  it("shows the core's error for an invalid expression inline", async () => {
    renderSchedulePanel(({ config }) => {
      if ((config as { cron?: string }).cron === '61 9 * * *') throw badMinute;
      return weekdays;
    });
    fireEvent.change(screen.getByLabelText('Cron expression'), { target: { value: '0 9 * * MON-FRI' } });
    await screen.findByTestId('schedule-fires', {}, { timeout: 3000 });

    fireEvent.change(screen.getByLabelText('Cron expression'), { target: { value: '61 9 * * *' } });
    const error = await screen.findByRole('alert', {}, { timeout: 3000 });
    expect(error.textContent).toContain('minute 61 is out of range 0-59');
    await waitFor(() => expect(screen.queryByTestId('schedule-fires'), 'no stale fires beside the error').toBeNull());
  });
});
