// The run log, an execution's page, replay and the dashboard, in browser mode
// against the real core: a manual flow whose Count step fails on an input
// without items is published and run from the command line, once failing and
// once not; the Runs page filtered to failures lists the one that failed, its
// page shows the step's error and leads to the step on the canvas; the draft
// is fixed by importing the flow file again, and the failure is replayed
// against the draft with an edited input; the replay's page shows its outputs
// beside the original's, differences marked; and the dashboard counts today's
// runs and failures as `hookline executions list` does.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useHooklineAndBrowser, api, cli, tempDir } from './harness.mjs';

const running = useHooklineAndBrowser(before, after);

const FLOW = 'flw_count_items';
const NAME = 'Count items';

// Refuses an input with nothing to count; $error fails the step with this message.
const STRICT = `$count(items) = 0 ? $error("nothing to count") : {'count': $count(items), 'first': items[0]}`;
// The fix: nothing to count is a count of 0.
const LENIENT = `{'count': $count(items), 'first': items[0]}`;

function countFlow(expr) {
  return {
    schemaVersion: 1,
    id: FLOW,
    name: NAME,
    steps: [
      { id: 'stp_start', component: 'manual', name: 'Start' },
      { id: 'stp_count', component: 'transform', name: 'Count', inputs: { value: { expr } } },
    ],
    edges: [{ from: 'stp_start', to: 'stp_count' }],
  };
}

/** Today's date on this machine, as the run log's `since` reads it (local midnight). */
function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** `hookline executions list --json` with `args`, parsed. */
async function listed(hookline, args) {
  const { stdout } = await cli(hookline, ['executions', 'list', ...args, '--json']);
  return JSON.parse(stdout);
}

test('a failure found in the run log is replayed against the fixed draft and compared with the original', async () => {
  const { hookline, browser } = running;
  const { page, problems } = browser;
  const files = tempDir('hookline-e2e-runlog-');
  try {
    const strictFile = join(files, 'count.flow.json');
    const fixedFile = join(files, 'count-fixed.flow.json');
    const emptyInput = join(files, 'empty.json');
    const twoItems = join(files, 'two.json');
    writeFileSync(strictFile, JSON.stringify(countFlow(STRICT)));
    writeFileSync(fixedFile, JSON.stringify(countFlow(LENIENT)));
    writeFileSync(emptyInput, '{}');
    writeFileSync(twoItems, JSON.stringify({ items: ['plum', 'fig'] }));

    const imported = await cli(hookline, ['flows', 'import', strictFile]);
    assert.match(imported.stdout, new RegExp(FLOW), 'the import prints the flow id');
    await cli(hookline, ['flows', 'publish', FLOW]);
    // One run that fails (nothing to count), one that succeeds: v1 both times.
    await assert.rejects(cli(hookline, ['run', FLOW, '--input', emptyInput]), /nothing to count/, 'the run fails on an empty input');
    await cli(hookline, ['run', FLOW, '--input', twoItems]);
    const [failedRun] = await listed(hookline, ['--flow', FLOW, '--status', 'failed']);
    assert.ok(failedRun, 'the command line lists the failure');

    // The Runs page, narrowed to failures: only the one that failed, and the address says so.
    await page.goto(hookline.designerUrl);
    await page.getByRole('link', { name: 'Run log' }).click();
    const rows = page.getByTestId('execution-row').filter({ hasText: NAME });
    await rows.nth(1).waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('failed');
    await page.waitForFunction(
      (id) => {
        const shown = [...document.querySelectorAll('[data-testid="execution-row"]')];
        return shown.length === 1 && shown[0].getAttribute('data-execution-id') === id;
      },
      failedRun.id,
      { timeout: 10_000 },
    );
    assert.match(new URL(page.url()).hash, /^#\/runs\?status=failed$/, 'the filter is in the address');
    assert.equal(await rows.first().getAttribute('data-status'), 'failed');

    // Its page: the Count step failed with the expression's error.
    await rows.first().getByTestId('execution-link').click();
    await page.getByTestId('execution-id').filter({ hasText: failedRun.id }).waitFor();
    assert.equal((await page.getByTestId('execution-status').textContent()).trim(), 'failed');
    assert.equal((await page.getByTestId('execution-version').textContent()).trim(), 'v1');
    const count = page.locator('[data-testid="step-card"][data-step-id="stp_count"]');
    assert.equal(await count.getAttribute('data-status'), 'failed');
    assert.match(await count.getByTestId('step-error').textContent(), /nothing to count/);
    assert.equal(await page.getByTestId('timeline-step').count(), await page.getByTestId('step-card').count(), 'every step is on the timeline');
    assert.equal(await page.getByRole('button', { name: /Copy as curl/ }).count(), 0, 'a manual run was no request');

    // Show on canvas: the designer opens with the Count step selected and marked as failed.
    await page.getByRole('link', { name: 'Show on canvas' }).click();
    await page.locator('[data-testid="step-node"][data-step-id="stp_count"][data-failed="true"]').waitFor();
    assert.equal(await page.getByTestId('step-node-failed').count(), 1, 'only the failed step is marked');
    await page.goBack();
    await page.getByTestId('execution-id').filter({ hasText: failedRun.id }).waitFor();

    // The fix lands in the draft; v1 stays as it was.
    const reimported = await cli(hookline, ['flows', 'import', fixedFile]);
    assert.match(reimported.stdout, new RegExp(FLOW), 'the import updates the same flow');

    // Replay against the draft with an edited input: it must run from the trigger.
    await page.getByRole('button', { name: 'Replay…' }).click();
    const dialog = page.getByTestId('replay-dialog');
    assert.equal(await dialog.getByRole('radio', { name: /The version that ran \(v1\)/ }).isChecked(), true, 'the version that ran by default');
    await dialog.getByRole('checkbox', { name: 'Edit the trigger input' }).check();
    assert.equal(await dialog.getByRole('radio', { name: /The failed step/ }).isDisabled(), true, 'an edited input runs from the trigger');
    await dialog.locator('[data-testid="replay-input"] .cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('{"items": ["apple", }');
    await dialog.getByTestId('replay-input-error').waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Replay', exact: true }).isDisabled(), true, 'invalid JSON is not sent');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('{"items": ["apple", "pear"]}');
    await dialog.getByText('Valid JSON').waitFor();
    await dialog.getByRole('radio', { name: 'The draft, as saved' }).check();
    await dialog.getByRole('button', { name: 'Replay', exact: true }).click();
    await dialog.waitFor({ state: 'detached', timeout: 20_000 });

    // The replay's page: a new execution of the draft that names the original.
    await page.getByTestId('execution-replay-of').filter({ hasText: failedRun.id }).waitFor();
    const replayId = (await page.getByTestId('execution-id').textContent()).trim();
    assert.notEqual(replayId, failedRun.id, 'a replay is a new execution');
    assert.equal(new URL(page.url()).hash, `#/runs/${replayId}`, 'the replay opened at its own address');
    assert.equal((await page.getByTestId('execution-status').textContent()).trim(), 'succeeded');
    assert.equal((await page.getByTestId('execution-version').textContent()).trim(), 'draft');
    const replay = await api(hookline, 'getExecution', { id: replayId });
    assert.equal(replay.replayOf, failedRun.id, 'the core records what it replays');
    assert.deepEqual(replay.input, { items: ['apple', 'pear'] }, 'with the edited input');
    assert.deepEqual(replay.steps.find((s) => s.stepId === 'stp_count').output, { count: 2, first: 'apple' }, 'the fixed draft ran');
    const original = await api(hookline, 'getExecution', { id: failedRun.id });
    assert.equal(original.status, 'failed', 'the original is never changed');

    // Side by side: the input gained its items; Count had no output and now has one.
    const compare = page.getByTestId('replay-compare');
    const inputRow = compare.locator('[data-testid="compare-row"][data-row="input"]');
    await inputRow.waitFor();
    assert.equal(await inputRow.getAttribute('data-differences'), '1');
    assert.match(await inputRow.getByTestId('difference').textContent(), /items added/);
    assert.match(await inputRow.locator('[data-testid="compare-replay"] [data-path="items"]').getAttribute('class'), /diff-added/);
    const countRow = compare.locator('[data-testid="compare-row"][data-row="stp_count"]');
    assert.match(await countRow.getByTestId('compare-original').textContent(), /nothing to count/, "the original's error beside the new output");
    assert.match(await countRow.locator('[data-testid="compare-replay"] [data-path=""]').getAttribute('class'), /diff-added/);
    assert.match(await countRow.getByTestId('compare-replay').textContent(), /"apple"/);

    // The dashboard counts today as the command line lists it.
    const ranToday = await listed(hookline, ['--flow', FLOW, '--since', today()]);
    const failedToday = await listed(hookline, ['--flow', FLOW, '--since', today(), '--status', 'failed']);
    assert.equal(ranToday.length, 3, 'the failure, the run that succeeded and the replay');
    assert.equal(failedToday.length, 1);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const row = page.locator(`[data-testid="flow-row"][data-flow-id="${FLOW}"]`);
    await row.getByTestId('flow-runs-today').filter({ hasText: new RegExp(`^${ranToday.length}$`) }).waitFor();
    assert.equal((await row.getByTestId('flow-failed-today').textContent()).trim(), `${failedToday.length} failed`);
    assert.match(await row.getAttribute('class'), /has-failures/, 'a flow that failed today stands out');
    assert.equal((await row.getByTestId('flow-last-run').textContent()).trim(), ranToday[0].status, 'the last run is the newest listed');
    const spark = await row.getByTestId('sparkline').getAttribute('aria-label');
    assert.match(spark, new RegExp(`${ranToday.length} runs, ${failedToday.length} failed`), 'the last 24 hours hold today’s runs');

    // The failures count opens the run log on exactly those.
    await row.getByTestId('flow-failed-today').click();
    assert.equal(new URL(page.url()).hash, `#/runs?flow=${FLOW}&status=failed&since=${today()}`);
    await page.locator(`[data-testid="execution-row"][data-execution-id="${failedRun.id}"]`).waitFor();
    assert.equal(await page.getByTestId('execution-row').count(), failedToday.length);

    assert.deepEqual(problems, [], 'the designer logs no errors');
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
});
