// The mapping tutorial as an analyst does it, in browser mode: a real test
// request captured as the trigger's sample, an HTTP Request to the demo pet
// store whose declared body fields are mapped by dragging sample fields onto
// them, the values previewed before anything runs, the action's sample
// retrieved, and the published flow called through its live hook.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { useHooklineAndBrowser } from './harness.mjs';

const run = promisify(execFile);
const running = useHooklineAndBrowser(before, after);

/** Opens tree nodes until the source field at `path` is on screen. */
async function sourceField(page, path) {
  const field = page.locator(`[data-testid="source-field"][data-path="${path}"]`);
  const parts = path.split('.');
  for (let i = 1; i < parts.length && (await field.count()) === 0; i += 1) {
    const expand = page.getByRole('button', { name: `Expand ${parts[i]}`, exact: true });
    if ((await expand.count()) > 0) await expand.first().click();
  }
  await field.waitFor();
  return field;
}

test('capture a sample, map fields by dragging, preview, retrieve, publish and call', async () => {
  const { hookline, browser } = running;
  const { page } = browser;
  await page.goto(hookline.designerUrl);
  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByLabel('Flow name', { exact: true }).fill('Pets by mapping');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByPlaceholder('Search components').fill('webhook');
  await page.getByTestId('component-webhook').click();
  await page.locator('[data-field="config:slug"]').fill('mapped-pets');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('dirty-indicator').filter({ hasText: /^Saved$/ }).waitFor();

  // Send sample request: the panel waits with a countdown; a real curl arrives.
  await page.getByRole('button', { name: 'Send sample request' }).click();
  await page.getByTestId('capture-countdown').waitFor();
  const testUrl = (await page.getByTestId('capture-url').textContent()).trim();
  assert.equal(testUrl, `${hookline.baseUrl}/hook-test/mapped-pets`, 'the test URL of this flow');
  await run('curl', ['-sS', '-X', 'POST', testUrl, '-H', 'Content-Type: application/json', '--data', '{"petname":"Gromit","petstatus":"Sold"}']);
  await page.getByTestId('sample-row').filter({ hasText: 'captured' }).first().waitFor();

  // HTTP Request to the pet store with two declared body fields.
  await page.getByRole('button', { name: 'Add step after Webhook' }).click();
  await page.getByPlaceholder('Search components').fill('http');
  await page.getByTestId('component-http_request').click();
  await page.locator('[data-field="inputs:url"]').fill(`${hookline.petstoreUrl}/pet`);
  await page.locator('[data-field="inputs:method"]').selectOption('"POST"');
  for (const [field, required] of [['name', true], ['status', false]]) {
    await page.getByRole('button', { name: 'Add body field' }).click();
    const name = page.getByLabel('New body field name');
    await name.fill(field);
    await page.getByLabel('Type of the new body field').selectOption('string');
    if (required) await page.getByRole('checkbox', { name: 'Required' }).check();
    await name.press('Enter');
  }

  // Drag each sample field onto its target; the preview shows the values.
  await page.getByRole('button', { name: 'Map fields' }).click();
  const editor = page.getByTestId('mapping-editor');
  await editor.waitFor();
  const nameTarget = editor.locator('[data-testid="target-field"][data-field="body.name"]');
  await nameTarget.getByTestId('preview-flag').filter({ hasText: 'Required' }).waitFor();
  assert.match(await nameTarget.textContent(), /string/, 'the declared type is shown');
  for (const [source, target, expected] of [
    ['$trigger.body.petname', 'body.name', 'Gromit'],
    ['$trigger.body.petstatus', 'body.status', 'Sold'],
  ]) {
    const from = await sourceField(page, source);
    const to = editor.locator(`[data-testid="target-field"][data-field="${target}"]`);
    await from.dragTo(to);
    await to.getByTestId('preview-value').filter({ hasText: expected }).waitFor();
    assert.equal(await to.locator('[data-testid="preview-flag"]').count(), 0, `${target} maps without a problem`);
  }
  if (process.env.UPDATE_SCREENSHOTS) {
    await page.screenshot({ path: new URL('../../docs/mapping-editor.png', import.meta.url).pathname });
  }
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('dirty-indicator').filter({ hasText: /^Saved$/ }).waitFor();

  // Retrieve sample: a POST changes the pet store, so it asks first.
  await page.getByRole('button', { name: 'Retrieve sample' }).click();
  await page.getByTestId('retrieve-confirm').filter({ hasText: `send a POST request to ${hookline.petstoreUrl}/pet` }).waitFor();
  await page.getByRole('button', { name: 'Run it' }).click();
  await page.getByTestId('action-sample').filter({ hasText: 'Gromit' }).waitFor();

  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByTestId('flow-version').filter({ hasText: 'v1' }).waitFor();
  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByTestId('flow-state').filter({ hasText: 'Live' }).waitFor();
  const reply = await fetch(`${hookline.baseUrl}/hook/mapped-pets`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ petname: 'Wallace', petstatus: 'Sold' }),
  });
  assert.equal(reply.status, 202);
  let pets = [];
  for (let i = 0; i < 100 && !JSON.stringify(pets).includes('Wallace'); i += 1) {
    await new Promise((done) => setTimeout(done, 100));
    pets = await (await fetch(`${hookline.petstoreUrl}/pet?status=Sold`)).json();
  }
  assert.ok(JSON.stringify(pets).includes('Wallace'), `the live hook created the pet: ${JSON.stringify(pets)}`);
  // The one expected failed request: the core's 428 asking to confirm the POST.
  const asked = browser.problems.filter((p) => p.includes('status of 428 (Precondition Required)'));
  assert.equal(asked.length, 1, 'retrieving asked once');
  assert.deepEqual(browser.problems.filter((p) => !asked.includes(p)), [], 'the designer logs no other errors');
});
