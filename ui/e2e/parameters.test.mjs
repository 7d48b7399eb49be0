// Flow parameters and the Manual trigger's run form, in browser mode against
// the real core: a flow whose Manual trigger asks for `copies` (an integer)
// and `who` (required text) gets an overridable parameter `region` in the
// Parameters panel; Run once opens the run form, which refuses a bad value
// and an empty required field inline before anything runs, then runs the
// draft with the fixed values, and the run log shows the values it ran with.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useHooklineAndBrowser, api } from './harness.mjs';

const running = useHooklineAndBrowser(before, after);

const FLOW = 'flw_print_run';
const NAME = 'Print on request';

async function importFlow(hookline) {
  const document = {
    schemaVersion: 1,
    id: FLOW,
    name: NAME,
    steps: [
      {
        id: 'stp_run',
        component: 'manual',
        name: 'Run by hand',
        config: {
          parameters: [
            { name: 'copies', title: 'Copies', type: 'integer', default: 1 },
            { name: 'who', type: 'string', required: true },
          ],
        },
      },
      {
        id: 'stp_note',
        component: 'transform',
        name: 'Note',
        inputs: {
          value: { expr: '$trigger.params.who & " prints " & $string($trigger.params.copies) & " in " & $params.region' },
        },
      },
    ],
    edges: [{ from: 'stp_run', to: 'stp_note' }],
  };
  await api(hookline, 'importFlow', { text: JSON.stringify(document) });
}

test('the run form refuses bad values inline, then runs with the typed values, which the run log shows', async () => {
  const { hookline, browser } = running;
  const { page } = browser;
  await importFlow(hookline);
  await page.goto(hookline.designerUrl);
  await page.getByRole('link', { name: NAME }).click();

  // An overridable parameter, added in the Parameters panel and saved with the draft.
  await page.getByRole('button', { name: 'Parameters' }).click();
  const panel = page.getByTestId('parameters-dialog');
  await panel.getByRole('button', { name: 'Add parameter' }).click();
  const param = panel.getByTestId('parameter-row').first();
  await param.getByLabel('Name', { exact: true }).fill('region');
  await param.getByLabel('Type', { exact: true }).selectOption('string');
  await param.getByLabel('Default', { exact: true }).fill('EU');
  await param.getByLabel('Overridable').check();
  await panel.getByRole('button', { name: 'Done' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('dirty-indicator').filter({ hasText: /^Saved$/ }).waitFor();
  const saved = await api(hookline, 'getFlow', { flow: FLOW });
  assert.deepEqual(
    saved.draft.parameters,
    [{ name: 'region', type: 'string', default: 'EU', overridable: true }],
    'the core keeps the parameter as the panel wrote it',
  );

  // The form: typed inputs, defaults filled in, the draft chosen (nothing is published).
  await page.getByRole('button', { name: 'Run once' }).click();
  const form = page.getByTestId('run-dialog');
  const copies = form.getByLabel(/^Copies/);
  const who = form.getByLabel(/^who/);
  const region = form.getByLabel(/^region/);
  assert.equal(await copies.inputValue(), '1', "copies shows the form's default");
  assert.equal(await region.inputValue(), 'EU', "region shows the parameter's default");
  assert.equal(await who.inputValue(), '', 'who has no default');
  assert.ok(await form.getByRole('radio', { name: /Draft/ }).isChecked(), 'a flow never published runs its draft');

  // A word where a number goes, and the required field left empty: said inline, nothing runs.
  await copies.fill('many');
  await form.getByText('Enter a number').waitFor();
  await form.getByRole('button', { name: 'Run', exact: true }).click();
  await form.getByText('Required: enter a value').waitFor();
  assert.equal(await copies.getAttribute('aria-invalid'), 'true', 'copies is marked as the field to fix');
  assert.equal((await api(hookline, 'listExecutions', { flow: FLOW })).length, 0, 'nothing ran');

  await copies.fill('3');
  await who.fill('Ada');
  await region.fill('NA');
  await form.getByRole('button', { name: 'Run', exact: true }).click();
  await form.waitFor({ state: 'detached' });

  // The Runs tab opens on the run, with the values it ran with.
  const runs = page.getByTestId('runs-tab');
  await runs.getByTestId('execution-row').first().getByTestId('execution-status').filter({ hasText: 'succeeded' }).waitFor();
  const params = runs.getByTestId('execution-params');
  await params.waitFor();
  assert.equal(await params.locator('[data-name="region"] dd').textContent(), '"NA"', 'the parameter as given');
  const formValues = runs.getByTestId('execution-form');
  assert.equal(await formValues.locator('[data-name="copies"] dd').textContent(), '3', 'copies ran as a number');
  assert.equal(await formValues.locator('[data-name="who"] dd').textContent(), '"Ada"');

  const [row] = await api(hookline, 'listExecutions', { flow: FLOW });
  const execution = await api(hookline, 'getExecution', { id: row.id });
  assert.deepEqual(execution.params, { region: 'NA' }, 'the execution records the parameter it ran with');
  assert.deepEqual(execution.input, { params: { copies: 3, who: 'Ada' } }, "the form's values are the trigger's output");
  assert.equal(execution.steps.at(-1).output, 'Ada prints 3 in NA', 'the step read both through its expression');

  assert.deepEqual(browser.problems, [], 'the designer logs no errors');
});
