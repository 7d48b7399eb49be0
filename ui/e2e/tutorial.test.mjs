// The tutorial as a user does it, in browser mode: a flow built in the
// designer from a Webhook trigger and an HTTP Request to the demo pet store,
// published, started and called through the hook URL the panel shows; then
// exported, deleted, imported again, and its Postman collection checked.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { useHooklineAndBrowser, api } from './harness.mjs';

const running = useHooklineAndBrowser(before, after);

/** With UPDATE_SCREENSHOTS=1 the README's pictures are taken along the way. */
async function screenshot(page, name) {
  if (process.env.UPDATE_SCREENSHOTS) await page.screenshot({ path: fileURLToPath(new URL(`../../docs/${name}.png`, import.meta.url)) });
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

  // Export, delete, import: the flow comes back with its steps.
  await page.getByRole('link', { name: 'Flows' }).click();
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
