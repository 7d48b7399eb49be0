// The tutorial as a user does it, in browser mode: a flow built in the
// designer from a Webhook trigger and an HTTP Request to the demo pet store,
// published, started and called through the hook URL the panel shows; its
// Postman collection and routes checked, a webhook token built in the panel
// and the copied command run against the listener, then rotated; then the
// flow exported, deleted and imported again.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { useHooklineAndBrowser, api } from './harness.mjs';

const running = useHooklineAndBrowser(before, after);

/** With UPDATE_SCREENSHOTS=1 the README's pictures are taken along the way. */
async function screenshot(page, name) {
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: fileURLToPath(new URL(`../../docs/${name}.png`, import.meta.url)) });
}

/**
 * Runs a command line the panel copied in a real shell, as a tester pastes
 * it; resolves to the HTTP status and JSON body `curl -i` printed.
 */
async function shell(command) {
  const { stdout } = await promisify(execFile)('sh', ['-c', `${command} --silent --show-error --max-time 30`]);
  const [head, body = ''] = stdout.replaceAll('\r\n', '\n').split('\n\n');
  return { status: Number(head.split(' ')[1]), body: body ? JSON.parse(body) : null };
}

/** Boomerang Flow's status of an activity, read with the flow's token until it has ended. */
async function waitForActivity(url, token) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200, 'the token reads its activity');
    const activity = await response.json();
    if (activity.status !== 'inProgress') return activity;
    assert.ok(Date.now() < deadline, `the activity did not end: ${JSON.stringify(activity)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The text of a file the page downloads when `action` runs. */
async function download(page, action) {
  const [file] = await Promise.all([page.waitForEvent('download'), action()]);
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
}

test('the tutorial: design, publish, start, call the hook, export and import', async () => {
  const { hookline, browser } = running;
  const { page } = browser;
  await page.goto(hookline.designerUrl);

  // A new flow opens the chooser on its trigger.
  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByLabel('Flow name', { exact: true }).fill('Pets from webhook');
  await page.getByRole('button', { name: 'Create' }).click();
  const search = page.getByPlaceholder('Search components');
  await search.fill('webhook');
  await assert.doesNotReject(page.getByTestId('component-webhook').waitFor(), 'the Webhook trigger is found by name');
  assert.equal(await page.getByTestId('component-http_request').count(), 0, 'the first node can only be a trigger');
  await page.getByTestId('component-webhook').click();
  await page.locator('[data-field="config:slug"]').fill('pets');

  // An HTTP Request after the trigger, to the demo pet store.
  await page.getByRole('button', { name: 'Add step after Webhook' }).click();
  await search.fill('http');
  assert.equal(await page.getByTestId('component-webhook').count(), 0, 'after the trigger only actions are offered');
  await page.getByTestId('component-http_request').click();
  await page.locator('[data-field="inputs:url"]').fill(`${hookline.petstoreUrl}/pet`);
  await page.locator('[data-field="inputs:method"]').selectOption('"POST"');
  for (const [field, expression] of [
    ['name', '$trigger.body.petname'],
    ['status', '$trigger.body.petstatus'],
  ]) {
    await page.getByRole('button', { name: 'Add body field' }).click();
    const name = page.getByLabel('New body field name');
    await name.fill(field);
    await name.press('Enter');
    await page.locator(`[data-field="inputs:body.${field}"]`).fill(expression);
  }
  await assert.doesNotReject(
    page.getByTestId('expression-error').waitFor({ state: 'detached', timeout: 5_000 }),
    'both expressions parse',
  );

  await screenshot(page, 'designer-step-panel');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('dirty-indicator').filter({ hasText: /^Saved$/ }).waitFor();
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByTestId('flow-version').filter({ hasText: 'v1' }).waitFor();
  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByTestId('flow-state').filter({ hasText: 'Live' }).waitFor();

  // The hook URL as the panel shows it, called like a tester would.
  await page.getByRole('tab', { name: 'Hooks' }).click();
  const hookUrl = (await page.getByTestId('hook-url').textContent()).trim();
  assert.equal(hookUrl, `${hookline.baseUrl}/hook/pets`, 'the panel shows the live hook of this listener');
  await screenshot(page, 'designer-hooks');
  const reply = await fetch(hookUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ petname: 'Gromit', petstatus: 'Sold' }),
  });
  assert.equal(reply.status, 202, 'the live hook accepts the request');

  await page.getByRole('tab', { name: 'Runs' }).click();
  await page.getByTestId('execution-row').first().getByTestId('execution-status').filter({ hasText: 'succeeded' }).waitFor();
  await screenshot(page, 'designer-runs');
  const pets = await (await fetch(`${hookline.petstoreUrl}/pet?status=Sold`)).json();
  assert.ok(
    JSON.stringify(pets).includes('Gromit'),
    `the flow created the pet in the demo API: ${JSON.stringify(pets)}`,
  );

  // Postman collection of the flow's hook.
  await page.getByRole('tab', { name: 'Hooks' }).click();
  const postman = await download(page, () => page.getByRole('button', { name: 'Export Postman collection' }).click());
  const collection = JSON.parse(postman.text);
  assert.match(collection.info.schema, /v2\.1\.0/, 'a Postman v2.1 collection');
  assert.equal(collection.item[0].request.url.raw, hookUrl, 'its request calls the hook URL');
  assert.deepEqual(
    collection.item.map((item) => item.request.url.raw),
    [
      hookUrl,
      `${hookline.baseUrl}/a/scheduler/hooks/pets`,
      `${hookline.baseUrl}/webhook/payload`,
      `${hookline.baseUrl}/webhook/status/{{activityId}}`,
      `${hookline.baseUrl}/api/webhook/local/pets`,
      `${hookline.baseUrl}/hook-test/pets`,
    ],
    'a request per route into the hook',
  );

  // The panel lists the seed platforms' routes onto the same hook.
  const routes = page.getByRole('list', { name: 'Routes into the hook' });
  assert.deepEqual(
    (await routes.getByTestId('route-url').allTextContents()).map((url) => url.trim()),
    [
      `${hookline.baseUrl}/a/scheduler/hooks/pets`,
      `${hookline.baseUrl}/webhook/payload`,
      `${hookline.baseUrl}/api/webhook/local/pets`,
    ],
    'Pydio Cells, Boomerang Flow and Cloudomation, under the listener address',
  );

  // A sample for the trigger: the routes' commands send it (the hooks answer refreshes by itself).
  const trigger = (await api(hookline, 'getFlow', { flow: 'pets' })).draft.steps.find((s) => s.component === 'webhook');
  await api(hookline, 'addSample', {
    flow: 'pets',
    step: trigger.id,
    value: { body: { petname: 'Wallace', petstatus: 'Sold' } },
    source: 'manual',
  });
  await page.getByTestId('hook-curl').filter({ hasText: 'Wallace' }).waitFor();

  // Build webhook URL: the token is shown once, with a command that uses it; the copied command runs in a real shell.
  await page.getByRole('button', { name: 'Build webhook URL' }).click();
  const dialog = page.getByRole('dialog', { name: 'Webhook token' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /it will not be shown again/, 'the dialog says the token is shown once');
  const token = (await dialog.getByTestId('new-flow-token').textContent()).trim();
  assert.match(token, /^hlw_[0-9a-f]{64}$/, 'a flow token');
  await dialog.getByRole('button', { name: 'Copy curl' }).click();
  await page.getByTestId('toast-success').filter({ hasText: 'curl command copied' }).waitFor();
  const command = await page.evaluate(() => navigator.clipboard.readText());
  assert.ok(command.includes(token) && command.includes('/webhook/payload'), `the command posts the token: ${command}`);
  const started = await shell(command);
  assert.equal(started.status, 200, `Boomerang Flow's route accepts the token: ${JSON.stringify(started.body)}`);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.getByText(token).count(), 0, 'the token is gone from the page');
  await page.getByTestId('flow-token-state').filter({ hasText: 'A token was made' }).waitFor();

  // The activity: its status read with the token, the pet it made, and the run in the Runs tab.
  const activity = await waitForActivity(`${hookline.baseUrl}/webhook/status/${started.body.activityId}`, token);
  assert.equal(activity.status, 'completed', `the flow ran: ${JSON.stringify(activity)}`);
  const wallace = await (await fetch(`${hookline.petstoreUrl}/pet?status=Sold`)).json();
  assert.ok(JSON.stringify(wallace).includes('Wallace'), 'the sample went through the flow to the pet store');
  await page.getByRole('tab', { name: 'Runs' }).click();
  await page.locator(`[data-execution-id="${started.body.activityId}"][data-status="succeeded"]`).waitFor();

  // Rotating asks first, then the old token stops working.
  await page.getByRole('tab', { name: 'Hooks' }).click();
  await page.getByRole('button', { name: 'Rotate token' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Rotate the flow token?' });
  await confirm.getByRole('button', { name: 'Rotate token' }).click();
  const rotated = (await dialog.getByTestId('new-flow-token').textContent()).trim();
  assert.notEqual(rotated, token, 'a new token');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await shell(command)).status, 401, 'the old token is refused');

  // Export, delete, import: the flow comes back with its steps.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  const exported = await download(page, () => page.getByRole('button', { name: 'Export Pets from webhook' }).click());
  const file = JSON.parse(exported.text);
  assert.deepEqual(
    file.steps.map((s) => s.component),
    ['webhook', 'http_request'],
    'the flow file has both steps',
  );
  await page.getByRole('button', { name: 'Delete Pets from webhook' }).click();
  await page.getByRole('button', { name: 'Delete flow' }).click();
  await page.getByTestId('flows-empty').waitFor();
  await page.getByTestId('import-file').setInputFiles({
    name: exported.name,
    mimeType: 'application/json',
    buffer: Buffer.from(exported.text),
  });
  await page.getByTestId('flow-row').filter({ hasText: 'Pets from webhook' }).waitFor();
  await screenshot(page, 'flows');
  const imported = await api(hookline, 'getFlow', { flow: 'pets' });
  assert.equal(imported.draft.steps[1].inputs['body.name'].expr, '$trigger.body.petname', 'the mapping survived');

  assert.deepEqual(browser.problems, [], 'the designer logs no errors');
});
