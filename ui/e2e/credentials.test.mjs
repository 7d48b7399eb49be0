// The vault inside the designer, as the elastic.io tutorial uses it: in the
// step panel of an HTTP Request step, "Create new credentials" (a Basic one
// for a pet store that requires it) without leaving the flow, Save, verify
// it against the real pet store, map, publish, call the hook and see the pet
// created. Then the Credentials page: the credential with its mask, its last
// check and the flow using it, and never the secret — not in the page's
// text, not in any /api answer the designer received.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { useHooklineAndBrowser, api, hooklineBinary, tempDir } from './harness.mjs';
import { rmSync } from 'node:fs';

const running = useHooklineAndBrowser(before, after);

const USER = 'ada';
const PASSWORD = 'pw-canary-4e1f9b';
const CREDENTIAL = 'Pet store (Basic)';
const FLOW_NAME = 'Pets with a Basic credential';

/** A pet store that admits only Basic `ada:PASSWORD` (the password read from standard input). */
function startGuardedPetstore() {
  const dataDir = tempDir('hookline-e2e-petstore-');
  const child = spawn(
    hooklineBinary(),
    ['--data-dir', dataDir, 'demo', 'petstore', '--listen', '127.0.0.1:0', '--basic-user', USER],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdin.end(`${PASSWORD}\n`);
  const output = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the pet store did not start:\n${output.join('\n')}`)), 30_000);
    const onLine = (line) => {
      output.push(line);
      const match = line.match(/pet store listening on (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve({
          url: match[1],
          async stop() {
            if (child.exitCode === null) {
              const exited = new Promise((done) => child.once('exit', done));
              child.kill('SIGTERM');
              await exited;
            }
            rmSync(dataDir, { recursive: true, force: true });
          },
        });
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the pet store exited with ${code}:\n${output.join('\n')}`));
    });
  });
}

/** The guarded pet store's pets, asked with its credentials. */
async function pets(petstoreUrl) {
  const response = await fetch(`${petstoreUrl}/pet`, {
    headers: { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` },
  });
  assert.equal(response.status, 200, 'the pet store lists its pets to its user');
  return response.json();
}

let petstore = null;
before(async () => {
  petstore = await startGuardedPetstore();
});
after(async () => {
  await petstore?.stop();
});

test('a Basic credential created in the step panel is verified, used by a published flow, and never shown again', async () => {
  const { hookline, browser } = running;
  const { page } = browser;

  // Every answer of the core the designer reads, to check none carries the password.
  const answers = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/api/') || url.pathname === '/api/events') return;
    answers.push(response.text().then((body) => ({ op: url.pathname, body }), () => ({ op: url.pathname, body: '' })));
  });

  const refused = await fetch(`${petstore.url}/pet`);
  assert.equal(refused.status, 401, 'the pet store refuses callers without the credential');

  await page.goto(hookline.designerUrl);

  // A fresh machine without a keychain: the Credentials page says so and makes a key file.
  await page.getByRole('link', { name: 'Credentials' }).click();
  await page.getByRole('heading', { name: 'Credentials' }).waitFor();
  const vault = page.getByTestId('vault-status');
  await vault.getByTestId('vault-state').waitFor();
  if ((await api(hookline, 'vaultStatus')).source === null) {
    assert.match(await page.getByTestId('no-key-source').textContent(), /HOOKLINE_MASTER_KEY/, 'the page says what to do');
    await page.getByRole('button', { name: 'Create a key file' }).click();
    await vault.getByTestId('vault-source').filter({ hasText: 'Key file' }).waitFor();
  }
  assert.equal((await api(hookline, 'vaultStatus')).ready, true, 'the vault can keep credentials now');
  await page.getByTestId('credentials-empty').waitFor();

  // A flow: a webhook with a sample, then an HTTP Request step.
  await page.getByRole('link', { name: 'Dashboard' }).click();
  await page.getByRole('button', { name: 'New flow' }).click();
  await page.getByLabel('Flow name', { exact: true }).fill(FLOW_NAME);
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByPlaceholder('Search components').fill('webhook');
  await page.getByTestId('component-webhook').click();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('dirty-indicator').filter({ hasText: /^Saved$/ }).waitFor();
  const [flow] = (await api(hookline, 'listFlows')).filter((f) => f.name === FLOW_NAME);
  const record = await api(hookline, 'getFlow', { flow: flow.id });
  await api(hookline, 'addSample', {
    flow: flow.id,
    step: record.draft.steps[0].id,
    value: { body: { petname: 'Wallace', petstatus: 'available' } },
  });

  await page.getByRole('button', { name: 'Add step after Webhook' }).click();
  await page.getByPlaceholder('Search components').fill('http');
  await page.getByTestId('component-http_request').click();
  await page.locator('[data-field="inputs:url"]').fill(`${petstore.url}/pet`);
  await page.locator('[data-field="inputs:method"]').selectOption('"POST"');

  // "Create new credentials", right in the step panel.
  const panel = page.getByTestId('step-panel');
  await panel.getByRole('button', { name: 'Create new credential' }).click();
  const dialog = page.getByTestId('credential-dialog');
  const kinds = await dialog.getByLabel('Kind').locator('option').evaluateAll((options) => options.map((o) => o.value));
  assert.deepEqual(kinds, ['basic', 'api_key', 'bearer', 'oauth2_client_credentials'], 'the kinds HTTP Request sends');
  await dialog.getByLabel(/^Name/).fill(CREDENTIAL);
  await dialog.getByLabel('Kind').selectOption('basic');
  await dialog.getByLabel(/^Username/).fill(USER);
  await dialog.getByLabel(/^Password/).fill(PASSWORD);
  await dialog.getByLabel(/^Verify URL/).fill(`${petstore.url}/pet`);
  await dialog.getByRole('button', { name: 'Save' }).click();

  // "Click on Save to verify the credentials": saved, masked, then checked against the pet store.
  const saved = dialog.getByTestId('credential-saved');
  await saved.waitFor();
  assert.match(await saved.textContent(), /Password ••••••/, 'once saved, only the mask');
  assert.doesNotMatch(await dialog.textContent(), new RegExp(PASSWORD), 'the dialog no longer holds the password');
  await dialog.getByRole('button', { name: `Verify ${CREDENTIAL}` }).click();
  const result = dialog.getByTestId('verify-result');
  await result.waitFor({ timeout: 35_000 });
  assert.equal(await result.getAttribute('data-ok'), 'true', `verified: ${await result.textContent()}`);
  assert.match(await result.textContent(), /answered 200/, 'with the reason');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'detached' });
  const picker = panel.locator('[data-field="credential"]');
  assert.equal(await picker.inputValue(), CREDENTIAL, 'the new credential is the step’s, without leaving the flow');

  // Map the pet's name and status from the sample.
  for (const [field, expr] of [
    ['name', '$trigger.body.petname'],
    ['status', '$trigger.body.petstatus'],
  ]) {
    await page.getByRole('button', { name: 'Add body field' }).click();
    const name = page.getByLabel('New body field name');
    await name.fill(field);
    await page.getByLabel('Type of the new body field').selectOption('string');
    await name.press('Enter');
    await page.locator(`[data-field="inputs:body.${field}"]`).waitFor();
    await page.getByRole('button', { name: 'Map fields' }).click();
    const editor = page.getByTestId('mapping-editor');
    const target = editor.locator(`[data-testid="target-field"][data-field="body.${field}"]`);
    await target.locator('.cm-content').click();
    await editor.locator(`[data-testid="source-field"][data-path="${expr}"]`).click();
    await target.getByTestId('preview-value').waitFor();
    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
  }
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('dirty-indicator').filter({ hasText: /^Saved$/ }).waitFor();
  const draft = (await api(hookline, 'getFlow', { flow: flow.id })).draft;
  assert.equal(draft.steps[1].credential, CREDENTIAL, 'the saved step names the credential');
  assert.deepEqual(
    [draft.steps[1].inputs['body.name'], draft.steps[1].inputs['body.status']],
    [{ expr: '$trigger.body.petname' }, { expr: '$trigger.body.petstatus' }],
  );

  // Publish, start, call the hook: the pet store gets the pet, sent with the credential.
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByTestId('toast-success').filter({ hasText: 'Published v1' }).waitFor();
  await page.getByRole('button', { name: 'Start' }).click();
  await page.getByTestId('flow-state').filter({ hasText: 'Live' }).waitFor();
  await page.getByRole('tab', { name: 'Hooks' }).click();
  const hookUrl = (await page.getByTestId('hook-url').textContent()).trim();
  const reply = await fetch(hookUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ petname: 'Gromit', petstatus: 'sold' }),
  });
  assert.equal(reply.status, 202, 'the hook accepts the call');
  const { executionId } = await reply.json();
  let execution = null;
  for (let i = 0; i < 100; i += 1) {
    execution = await api(hookline, 'getExecution', { id: executionId });
    if (['succeeded', 'failed'].includes(execution.status)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(execution.status, 'succeeded', `the run succeeded: ${JSON.stringify(execution.steps)}`);
  assert.deepEqual(
    (await pets(petstore.url)).map((p) => [p.name, p.status]),
    [['Gromit', 'sold']],
    'the pet store created the pet the hook was called with',
  );
  assert.doesNotMatch(JSON.stringify(execution), new RegExp(PASSWORD), 'the run log holds no secret');

  // The Credentials page: kind, status, last check, the flow using it, a mask, never the password.
  await page.getByRole('link', { name: 'Credentials' }).click();
  const row = page.locator(`[data-testid="credential-row"][data-name="${CREDENTIAL}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /Basic Auth/);
  assert.equal((await row.getByTestId('credential-status').textContent()).trim(), 'ok');
  assert.match(await row.getByTestId('last-verification').textContent(), /^Passed .*answered 200/);
  assert.equal((await row.getByTestId('credential-secrets').textContent()).trim(), 'password ••••••');
  await row.getByRole('link', { name: FLOW_NAME }).waitFor();

  // An edit form leaves the password blank ("keep"); verifying again still passes.
  await row.getByRole('button', { name: `Edit ${CREDENTIAL}` }).click();
  assert.equal(await dialog.getByLabel(/^Password/).inputValue(), '', 'the edit form never fills in a secret');
  assert.equal(await dialog.getByLabel(/^Username/).inputValue(), USER);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.getByRole('button', { name: `Verify ${CREDENTIAL}` }).click();
  await dialog.getByTestId('verify-result').waitFor({ timeout: 35_000 });
  assert.equal(await dialog.getByTestId('verify-result').getAttribute('data-ok'), 'true', 'the kept password still works');
  await dialog.getByRole('button', { name: 'Done' }).click();

  // Removing it asks first, naming the flow it would break; cancelled here.
  await row.getByRole('button', { name: `Remove ${CREDENTIAL}` }).click();
  const confirm = page.getByTestId('confirm-dialog');
  assert.match(await confirm.textContent(), new RegExp(`will break: ${FLOW_NAME}`));
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await row.waitFor();

  const text = await page.evaluate(() => document.body.innerText + document.body.innerHTML);
  assert.doesNotMatch(text, new RegExp(PASSWORD), 'the page never shows the password');
  const bodies = await Promise.all(answers);
  assert.ok(bodies.some((a) => a.op === '/api/listCredentials'), 'the designer read the vault over /api');
  for (const { op, body } of bodies) assert.doesNotMatch(body, new RegExp(PASSWORD), `${op} answered the password`);
  assert.deepEqual(browser.problems, [], 'the designer logs no errors');
});
