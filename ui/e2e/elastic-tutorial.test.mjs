// The elastic.io tutorial "Creating a webhook flow", step by step, in browser
// mode: a Webhook trigger with the No Auth credential and a sample added by
// pasting the tutorial's JSON, an action calling the pet store with its API
// key credential whose Name and Status are picked from the sample, Retrieve
// sample, Publish, Start, the hook URL copied from the panel, three POSTs of
// the tutorial's payload with curl, and three pets and three succeeded runs
// to show for it.
//
// Where Hookline differs from the tutorial the product's way is taken: the
// pet store is called by the generic HTTP Request action (POST /pet on the
// demo pet store), credentials are added with `hookline vault add` (the
// designer only picks them), and samples belong to a saved step.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { useHooklineAndBrowser, api, cli } from './harness.mjs';

const run = promisify(execFile);
const running = useHooklineAndBrowser(before, after);

/** The sample exactly as the tutorial prints it ("Paste the following JSON"). */
const TUTORIAL_JSON = `{
  "petname": "Gromit",
  "petstatus": "Sold"
}`;
const FLOW_NAME = 'Pets from the webhook tutorial';

/** POSTs `body` as JSON to `url` with the real curl; resolves to {status, body}. */
async function curlPost(url, body) {
  const { stdout } = await run('curl', ['-sS', '-X', 'POST', url, '-H', 'Content-Type: application/json', '-d', body, '-w', '\n%{http_code}']);
  const lines = stdout.split('\n');
  return { status: Number(lines.pop()), body: JSON.parse(lines.join('\n')) };
}

/** The demo pet store's pets, as its API lists them. */
async function pets(petstoreUrl) {
  const response = await fetch(`${petstoreUrl}/pet`);
  assert.equal(response.status, 200, 'the pet store lists its pets');
  return response.json();
}

// What the Hooks tab said about calling the hook, for the test after.
let hooksTabText = null;

test('the elastic.io webhook tutorial, word for word: sample pasted, fields picked, three POSTs, three pets', async () => {
  const { hookline, browser } = running;
  const { page } = browser;

  // The credentials the tutorial creates: the webhook's "No Auth" and the pet
  // store's API key. The designer picks credentials; they are added here.
  await cli(hookline, ['vault', 'create-key-file']);
  await cli(hookline, ['vault', 'add', 'No Auth', '--kind', 'none']);
  await cli(hookline, ['vault', 'add', 'Petstore API key', '--kind', 'api_key', '--set', 'in=header', '--set', 'name=api_key'], 'key=secret\n');

  // "Go to the Flows tab. After that, click on Add New Flow."
  await page.goto(hookline.designerUrl);
  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByLabel('Flow name', { exact: true }).fill(FLOW_NAME);
  await page.getByRole('button', { name: 'Create' }).click();

  // "Type webhook in the search bar to find it and click on Choose Webhook."
  await page.getByPlaceholder('Search components').fill('webhook');
  await page.getByTestId('component-webhook').click();
  const [flow] = (await api(hookline, 'listFlows')).filter((f) => f.name === FLOW_NAME);
  assert.ok(flow?.id?.startsWith('flw_'), 'the flow exists with an id');

  // "For now let's choose the No Auth option."
  const credential = page.getByTestId('step-panel').locator('[data-field="credential"]');
  await credential.selectOption('No Auth');
  // Samples belong to a saved step.
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('dirty-indicator').filter({ hasText: /^Saved$/ }).waitFor();

  // "Click on Add sample manually. Paste the following JSON in the input field."
  const samples = page.getByTestId('samples-section');
  await samples.getByTestId('samples-empty').waitFor();
  await samples.getByRole('button', { name: 'Add sample' }).click();
  const hint = await samples.getByTestId('sample-hint').textContent();
  assert.match(hint, /kept as the whole request \{method, path, headers, query, body\}/, 'the designer says how a typed sample is kept');
  const save = samples.getByRole('button', { name: 'Save sample' });
  assert.equal(await save.isDisabled(), true, 'an empty sample cannot be saved');
  await page.evaluate((text) => navigator.clipboard.writeText(text), TUTORIAL_JSON);
  await samples.locator('[data-testid="sample-editor"] .cm-content').click();
  await page.keyboard.press('Control+V');
  // "The sample gets evaluated for the correctness of the format. Click on Save."
  await assert.doesNotReject(
    save.and(page.locator(':enabled')).waitFor({ timeout: 5_000 }),
    'the pasted JSON is valid, so Save is enabled',
  );
  await save.click();
  await page.getByTestId('toast-success').filter({ hasText: 'Sample added' }).waitFor();
  const row = samples.getByTestId('sample-row');
  await row.getByTestId('sample-current').waitFor();
  assert.equal(await row.count(), 1, 'one sample');
  assert.equal((await row.getByTestId('sample-source').textContent()).trim(), 'manual', 'the sample is marked as typed by hand');
  await row.getByRole('button', { name: 'Sample 1', exact: true }).click();
  assert.deepEqual(
    JSON.parse(await row.locator('pre.sample-value').textContent()),
    {
      method: 'POST',
      path: `/hook/${flow.id}`,
      headers: { 'content-type': 'application/json' },
      query: {},
      body: { petname: 'Gromit', petstatus: 'Sold' },
    },
    'the pasted JSON is the body of a request to the flow hook, as a real call would arrive',
  );

  // "Choose the data target": an action calling the pet store's POST /pet.
  await page.getByRole('button', { name: 'Add step after Webhook' }).click();
  await page.getByPlaceholder('Search components').fill('http');
  await page.getByTestId('component-http_request').click();
  await page.locator('[data-field="inputs:url"]').fill(`${hookline.petstoreUrl}/pet`);
  await page.locator('[data-field="inputs:method"]').selectOption('"POST"');
  // "Choose Credentials": the pet store's API key.
  await page.getByTestId('step-panel').locator('[data-field="credential"]').selectOption('Petstore API key');
  // The Petstore action's Name and Status fields are the body's name and status.
  for (const field of ['name', 'status']) {
    await page.getByRole('button', { name: 'Add body field' }).click();
    const name = page.getByLabel('New body field name');
    await name.fill(field);
    await page.getByLabel('Type of the new body field').selectOption('string');
    await name.press('Enter');
    await page.locator(`[data-field="inputs:body.${field}"]`).waitFor();
  }

  // "Select these properties by pressing the drop-down menu on the right of
  // each input field": here, choose the field, then pick the sample property.
  await page.getByRole('button', { name: 'Map fields' }).click();
  const editor = page.getByTestId('mapping-editor');
  await editor.waitFor();
  for (const [target, source, expected] of [
    ['body.name', '$trigger.body.petname', 'Gromit'],
    ['body.status', '$trigger.body.petstatus', 'Sold'],
  ]) {
    const field = editor.locator(`[data-testid="target-field"][data-field="${target}"]`);
    await field.locator('.cm-content').click();
    await editor.locator(`[data-testid="source-field"][data-path="${source}"]`).click();
    await field.getByTestId('preview-value').filter({ hasText: expected }).waitFor();
    assert.equal((await field.locator('.cm-content').textContent()).trim(), source, `picking ${source} writes its path into ${target}`);
    assert.equal(await field.getByTestId('preview-flag').count(), 0, `${target} maps without a problem`);
  }
  assert.match(
    await editor.locator('[data-testid="target-field"][data-field="body.name"] [data-testid="preview-value"]').textContent(),
    /"Gromit"/,
    'the preview shows the sample name',
  );
  await page.keyboard.press('Escape');
  await editor.waitFor({ state: 'detached' });
  assert.equal((await page.locator('[data-field="inputs:body.name"]').textContent()).trim(), '$trigger.body.petname');
  assert.equal((await page.locator('[data-field="inputs:body.status"]').textContent()).trim(), '$trigger.body.petstatus');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('dirty-indicator').filter({ hasText: /^Saved$/ }).waitFor();
  const draft = (await api(hookline, 'getFlow', { flow: flow.id })).draft;
  assert.equal(draft.steps.length, 2, `the saved draft has both steps: ${JSON.stringify(draft)}`);
  assert.deepEqual(
    draft.steps[1].inputs,
    {
      url: { value: `${hookline.petstoreUrl}/pet` },
      method: { value: 'POST' },
      'body.name': { expr: '$trigger.body.petname' },
      'body.status': { expr: '$trigger.body.petstatus' },
    },
    'the saved step maps the two fields picked from the sample',
  );
  assert.equal(draft.steps[0].credential, 'No Auth');
  assert.equal(draft.steps[1].credential, 'Petstore API key');

  // "Click on Retrieve sample": the POST creates a pet, so it asks first.
  await page.getByRole('button', { name: 'Retrieve sample' }).click();
  const confirm = page.getByTestId('retrieve-confirm');
  await confirm.filter({ hasText: `send a POST request to ${hookline.petstoreUrl}/pet` }).waitFor();
  assert.equal((await pets(hookline.petstoreUrl)).length, 0, 'nothing was sent before confirming');
  await confirm.getByRole('button', { name: 'Run it' }).click();
  await page.getByTestId('action-sample').locator('pre').filter({ hasText: 'Gromit' }).waitFor();
  const sampled = await pets(hookline.petstoreUrl);
  assert.deepEqual(sampled.map((p) => [p.name, p.status]), [['Gromit', 'Sold']], 'retrieving the sample created one pet');

  // "Click on Publish Draft."
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByTestId('toast-success').filter({ hasText: 'Published v1' }).waitFor();
  await page.getByTestId('flow-version').filter({ hasText: /^v1$/ }).waitFor();

  const vault = JSON.parse((await cli(hookline, ['vault', 'list', '--json'])).stdout);
  assert.deepEqual(
    vault.map((c) => [c.name, c.kind, c.status, c.usedBy.map((u) => u.id)]),
    [
      ['No Auth', 'none', 'ok', [flow.id]],
      ['Petstore API key', 'api_key', 'ok', [flow.id]],
    ],
    'the vault knows the flow uses both credentials',
  );

  // "Click on Start to set your flow live ... copy the generated webhook address."
  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByTestId('flow-state').filter({ hasText: 'Live' }).waitFor();
  await page.getByRole('tab', { name: 'Hooks' }).click();
  const shown = (await page.getByTestId('hook-url').textContent()).trim();
  hooksTabText = await page.getByTestId('hooks-tab').textContent();
  await page.getByRole('button', { name: 'Copy hook URL' }).click();
  await page.getByTestId('toast-success').filter({ hasText: 'Hook URL' }).waitFor();
  const hookUrl = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(hookUrl, shown, 'the copied URL is the one shown');
  assert.equal(hookUrl, `${hookline.baseUrl}/hook/${flow.id}`, 'the URL has the structure /hook/FLOW_ID');

  // "Keep sending your data to the webhook address": three times, as with Postman.
  for (let i = 0; i < 3; i += 1) {
    const reply = await curlPost(hookUrl, TUTORIAL_JSON);
    assert.equal(reply.status, 202, `request ${i + 1} is accepted: ${JSON.stringify(reply.body)}`);
    assert.match(reply.body.executionId, /^exe_/, 'the reply names the execution');
  }

  // "The view after 3 requests": three succeeded runs in the flow's Runs tab…
  await page.getByRole('tab', { name: 'Runs' }).click();
  const runs = page.getByTestId('runs-tab').getByTestId('execution-row');
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid="runs-tab"] [data-testid="execution-row"][data-status="succeeded"]').length === 3,
    null,
    { timeout: 15_000 },
  );
  assert.equal(await runs.count(), 3, 'exactly the three hook calls ran');
  // …and in the run log, where a run opens its own page.
  await page.getByRole('link', { name: 'Run log' }).click();
  const logged = page.getByTestId('execution-row').filter({ hasText: FLOW_NAME });
  await logged.nth(2).waitFor();
  assert.equal(await logged.count(), 3, 'the run log lists the three runs of the flow');
  for (const status of await logged.getByTestId('execution-status').allTextContents()) assert.match(status, /succeeded/);
  await logged.first().getByTestId('execution-link').click();
  await page.getByTestId('execution-input').filter({ hasText: 'Gromit' }).waitFor();

  const executions = await api(hookline, 'listExecutions', { flow: flow.id });
  assert.deepEqual(
    executions.map((e) => [e.trigger, e.status, e.version]),
    [['webhook', 'succeeded', 1], ['webhook', 'succeeded', 1], ['webhook', 'succeeded', 1]],
    'three webhook runs of v1 succeeded',
  );
  const created = (await pets(hookline.petstoreUrl)).filter((p) => p.id > sampled[0].id);
  assert.deepEqual(
    created.map((p) => [p.name, p.status]),
    [['Gromit', 'Sold'], ['Gromit', 'Sold'], ['Gromit', 'Sold']],
    'each POST stored the pet in the pet store',
  );

  // The one expected failed request: the core's 428 asking to confirm the POST.
  const asked = browser.problems.filter((p) => p.includes('status of 428 (Precondition Required)'));
  assert.equal(asked.length, 1, 'retrieving asked once');
  assert.deepEqual(browser.problems.filter((p) => !asked.includes(p)), [], 'the designer logs no other errors');
});

test('a hook guarded by a No Auth credential is not said to need authentication', () => {
  assert.ok(hooksTabText, 'the Hooks tab was read');
  assert.match(hooksTabText, /Accepts POST\./, 'the tab says which methods the hook takes');
  assert.doesNotMatch(
    hooksTabText,
    /Callers must authenticate/,
    `"No Auth" makes the webhook URL accessible by anyone, as the tutorial says; the tab said: ${JSON.stringify(hooksTabText)}`,
  );
});
