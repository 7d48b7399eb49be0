// Mapping mistakes caught before they run, in browser mode, on the tutorial's
// flow (Webhook → HTTP Request POST /pet, body.name required, body.status
// optional) with the tutorial's typed sample:
// - a typo in a mapped path is flagged on the field with the path it meant;
// - a required field that maps to nothing blocks Publish, the refusal naming
//   the step and the field;
// - an optional field that maps to nothing publishes, with a warning in the
//   toast.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { useHooklineAndBrowser, api } from './harness.mjs';

const running = useHooklineAndBrowser(before, after);

const FLOW = 'flw_mapping_checks';
const STEP = 'stp_create';
const TUTORIAL_JSON = '{"petname": "Gromit", "petstatus": "Sold"}';

/** The tutorial's flow, imported as a file, with the sample typed as the tutorial does. */
async function importTutorialFlow(hookline) {
  const document = {
    schemaVersion: 1,
    id: FLOW,
    name: 'Pets with mapping checks',
    steps: [
      { id: 'stp_hook', component: 'webhook', name: 'Webhook', config: { slug: 'checked-pets' } },
      {
        id: STEP,
        component: 'http_request',
        name: 'Create pet',
        fields: [
          { field: 'body.name', type: 'string', required: true },
          { field: 'body.status', type: 'string' },
        ],
        inputs: {
          method: { value: 'POST' },
          url: { value: `${hookline.petstoreUrl}/pet` },
          'body.name': { expr: '$trigger.body.petname' },
          'body.status': { expr: '$trigger.body.petstatus' },
        },
      },
    ],
    edges: [{ from: 'stp_hook', to: STEP }],
  };
  await api(hookline, 'importFlow', { text: JSON.stringify(document) });
  await api(hookline, 'addSample', { flow: FLOW, step: 'stp_hook', text: TUTORIAL_JSON });
}

/** Replaces the text of a CodeMirror expression editor as typing would. */
async function typeExpression(page, editor, text) {
  await editor.click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text);
  await page.keyboard.press('Escape'); // closes completion, never the dialog: the editor takes it
}

// What the step panel showed beside a typo typed there, for the test after.
let panelFlagAfterSave = null;

test('a typo is flagged with the path it meant; a required field mapped to nothing blocks Publish; an optional one publishes with a warning', async () => {
  const { hookline, browser } = running;
  const { page } = browser;
  await importTutorialFlow(hookline);
  await page.goto(hookline.designerUrl);
  await page.getByRole('link', { name: 'Pets with mapping checks' }).click();
  await page.locator(`[data-testid="step-node"][data-step-id="${STEP}"]`).click();

  // A typo typed in the step panel's mapped field.
  const nameField = page.locator('[data-field="inputs:body.name"]');
  await typeExpression(page, nameField, '$trigger.body.petnmae');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('dirty-indicator').filter({ hasText: /^Saved$/ }).waitFor();
  const panelFlag = page.locator('[data-testid="subfield"][data-key="body.name"] [data-testid="field-flag"]');
  await panelFlag.waitFor();
  panelFlagAfterSave = await panelFlag.textContent();

  // In the mapping editor the field is flagged, with the path it meant.
  await page.getByRole('button', { name: 'Map fields' }).click();
  const editor = page.getByTestId('mapping-editor');
  const target = (field) => editor.locator(`[data-testid="target-field"][data-field="${field}"]`);
  const typo = target('body.name').getByTestId('preview-flag');
  await typo.waitFor();
  assert.equal(await typo.getAttribute('data-check'), 'missing_required', 'a required field that yields nothing');
  assert.match(
    await typo.textContent(),
    /the required input body\.name maps to nothing for this sample; did you mean \$trigger\.body\.petname\?/,
    'the flag says what is wrong and suggests the sample path that is close',
  );
  assert.equal((await target('body.name').locator('.cm-content').textContent()).trim(), '$trigger.body.petnmae', 'the typo is what was saved');

  // The component's own required input, url, mapped to a field the sample lacks.
  await typeExpression(page, target('url').locator('.cm-content'), '$trigger.body.callbackUrl');
  const urlFlag = target('url').getByTestId('preview-flag');
  await urlFlag.filter({ hasText: 'the required input url maps to nothing for this sample' }).waitFor();
  assert.equal(await urlFlag.getAttribute('data-check'), 'missing_required');
  await page.keyboard.press('Escape');
  await editor.waitFor({ state: 'detached' });

  // Publish is refused, naming the step and each field.
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByTestId('toast-error').filter({ hasText: 'Not published: 2 problems to fix' }).waitFor();
  const problems = page.getByTestId('problems-panel').getByTestId('problem-item');
  assert.equal(await problems.count(), 2, 'both fields are listed');
  const texts = await problems.allTextContents();
  assert.ok(
    texts.some((t) => t.startsWith('Create pet') && t.includes(`step ${STEP} (Create pet), field body.name: it maps to nothing for any of the trigger's samples`) && t.includes('did you mean $trigger.body.petname?')),
    `body.name is named with its step: ${JSON.stringify(texts)}`,
  );
  assert.ok(
    texts.some((t) => t.includes(`step ${STEP} (Create pet), field url: it maps to nothing for any of the trigger's samples`)),
    `url is named with its step: ${JSON.stringify(texts)}`,
  );
  assert.equal((await page.getByTestId('flow-version').textContent()).trim(), 'Never published', 'nothing was published');
  assert.equal((await api(hookline, 'versions', { flow: FLOW })).length, 0, 'the core kept no version');

  // A problem leads to its field, which shows it too.
  await problems.filter({ hasText: 'field url' }).click();
  await page.waitForFunction(() => document.activeElement?.closest('[data-field="inputs:url"]') || document.activeElement?.matches('[data-field="inputs:url"]'));
  assert.match(
    await page.getByTestId('step-panel').locator('.form-field').filter({ has: page.locator('[data-field="inputs:url"]') }).locator('.field-error').textContent(),
    /field url: it maps to nothing/,
    'the URL field shows its problem',
  );

  // Fix both required fields; map the optional status to a field no sample has.
  await page.getByRole('button', { name: 'Use literal for URL' }).click();
  await page.locator('[data-field="inputs:url"]').fill(`${hookline.petstoreUrl}/pet`);
  await page.getByRole('button', { name: 'Map fields' }).click();
  await editor.waitFor();
  await target('body.name').locator('.cm-content').click();
  await editor.locator('[data-testid="source-field"][data-path="$trigger.body.petname"]').click();
  await target('body.name').getByTestId('preview-value').filter({ hasText: 'Gromit' }).waitFor();
  await typeExpression(page, target('body.status').locator('.cm-content'), '$trigger.body.colour');
  const empty = target('body.status').getByTestId('preview-flag');
  await empty.filter({ hasText: 'yields nothing for this sample, so a run leaves body.status out' }).waitFor();
  assert.equal(await empty.getAttribute('data-check'), 'empty', 'an optional field that yields nothing is only a warning');
  assert.equal(await editor.locator('[data-testid="preview-flag"][data-check="missing_required"]').count(), 0, 'no required field is flagged any more');
  await page.keyboard.press('Escape');
  await editor.waitFor({ state: 'detached' });

  // Publish goes through, and the toast carries the warning.
  await page.getByRole('button', { name: 'Publish' }).click();
  const toast = page.getByTestId('toast-info').filter({ hasText: 'Published v1, with 1 warning' });
  await toast.waitFor();
  assert.match(
    await toast.locator('.toast-detail').textContent(),
    new RegExp(`^step ${STEP} \\(Create pet\\), field body\\.status: it maps to nothing for any of the trigger's samples: yields nothing for this sample, so a run leaves body\\.status out$`),
    'the warning names the step and the field',
  );
  await page.getByTestId('flow-version').filter({ hasText: /^v1$/ }).waitFor();
  const [version] = await api(hookline, 'versions', { flow: FLOW });
  assert.equal(version.version, 1, 'v1 is kept');
  assert.equal(await page.getByTestId('problems-panel').count(), 0, 'no problem is left');
  // The one expected failed request: the core's 422 refusing the first publish.
  const refused = browser.problems.filter((p) => p.includes('status of 422'));
  assert.equal(refused.length, 1, 'one publish was refused');
  assert.deepEqual(browser.problems.filter((p) => !refused.includes(p)), [], 'the designer logs no other errors');
});

test('a typo typed in the step panel is flagged there before publishing', () => {
  assert.match(
    panelFlagAfterSave ?? '',
    /did you mean \$trigger\.body\.petname\?/,
    `the step panel's body.name field flags $trigger.body.petnmae once saved; it showed: ${JSON.stringify(panelFlagAfterSave)}`,
  );
});
