// The listener's /buttons page in Chromium against `hookline serve`: a
// reviewer signs in with their bearer token, sees the Button their role is
// admitted to, fills its form, picks a CSV report inside the hook's allowed
// folder, submits, and sees the run succeed with the values and the path it
// was given; a visitor whose credential no rule admits sees no Button.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useHooklineAndBrowser, api, cli, tempDir } from './harness.mjs';

const running = useHooklineAndBrowser(before, after);

const FLOW = 'flw_convert_reports';
const LABEL = 'Convert to PDF';

function convertFlow(folder) {
  return {
    schemaVersion: 1,
    id: FLOW,
    name: 'Convert reports',
    parameters: [
      { name: 'quality', type: 'integer', default: 1, overridable: true, description: 'from 1 to 10' },
      { name: 'mode', type: 'string', default: 'safe' },
    ],
    steps: [
      {
        id: 'stp_hook',
        component: 'webhook',
        name: 'Hook',
        config: {
          slug: 'convert',
          policies: ['role:reviewers'],
          allowedFolders: [folder],
          button: {
            label: LABEL,
            icon: 'file-text',
            form: {
              legend: 'Turns the picked report into a PDF.',
              parameters: ['quality', 'mode'],
              editable: ['quality'],
              presets: { quality: 5 },
            },
            selection: { pick: 'files', extensions: ['csv'] },
          },
        },
      },
      {
        id: 'stp_result',
        component: 'transform',
        name: 'Result',
        inputs: { value: { expr: "{'quality': $params.quality, 'mode': $params.mode, 'paths': paths}" } },
      },
    ],
    edges: [{ from: 'stp_hook', to: 'stp_result' }],
  };
}

async function signIn(page, token) {
  await page.getByRole('radio', { name: 'Bearer token' }).check();
  await page.getByLabel('Token', { exact: true }).fill(token);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('an admitted caller presses a Button on /buttons and sees its run succeed; another sees no Button', async () => {
  const { hookline, browser } = running;
  const { page, problems } = browser;
  const files = tempDir('hookline-e2e-reports-');
  try {
    const reports = join(realpathSync(files), 'reports');
    mkdirSync(join(reports, '2026'), { recursive: true });
    writeFileSync(join(reports, 'march.csv'), 'a,b\n1,2\n');
    writeFileSync(join(reports, 'photo.png'), 'not a report');

    await cli(hookline, ['vault', 'create-key-file']);
    await cli(hookline, ['vault', 'add', 'reviewer', '--kind', 'bearer', '--set', 'roles=reviewers'], 'token=e2e-reviewer-token\n');
    await cli(hookline, ['vault', 'add', 'visitor', '--kind', 'bearer', '--set', 'profile=standard'], 'token=e2e-visitor-token\n');
    await api(hookline, 'importFlow', { text: JSON.stringify(convertFlow(reports)) });
    await api(hookline, 'publish', { flow: FLOW });
    await api(hookline, 'start', { flow: FLOW });

    await page.goto(`${hookline.baseUrl}/buttons`);
    await signIn(page, 'e2e-reviewer-token');
    await page.getByText('Signed in with a bearer token').waitFor();
    const card = page.locator('#button-list').getByRole('button', { name: new RegExp(LABEL) });
    await card.waitFor();
    assert.match(await card.textContent(), /Convert reports/, 'the card names the flow it runs');
    await card.click();

    const form = page.locator('#press');
    await form.getByText('Turns the picked report into a PDF.').waitFor();
    const quality = form.getByLabel('quality (whole number)');
    assert.equal(await quality.inputValue(), '5', 'the editable parameter starts at its preset');
    assert.equal(await form.getByLabel('mode (text)').getAttribute('readonly'), '', 'the fixed one cannot be changed');
    await quality.fill('9');

    // Nothing picked: the rule says so before anything is sent.
    await form.getByRole('button', { name: 'Run' }).click();
    await form.getByText('Pick a file first.').waitFor();

    await form.getByRole('button', { name: `Open ${reports}` }).click();
    await form.getByRole('checkbox', { name: 'Pick march.csv' }).check();
    assert.equal(await form.getByText('photo.png').count(), 0, 'a file the rule does not take is not offered');
    await form.locator('#picked').getByText(join(reports, 'march.csv')).waitFor();
    await form.getByRole('button', { name: 'Run' }).click();

    const progress = page.locator('#progress[data-status="succeeded"]');
    await progress.waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#progress-status').textContent(), 'Succeeded');
    await page.locator('#progress-steps li[data-step="stp_result"][data-status="succeeded"]').waitFor();
    const executionId = await page.locator('#progress').getAttribute('data-execution');
    const execution = await api(hookline, 'getExecution', { id: executionId });
    assert.deepEqual(
      execution.output,
      { quality: 9, mode: 'safe', paths: [join(reports, 'march.csv')] },
      'the run had the typed value, the fixed one and the picked path',
    );

    // Someone whose credential no rule admits sees no Button.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, 'e2e-visitor-token');
    await page.getByText('No Buttons are offered to you').waitFor();
    assert.equal(await page.locator('#button-list li').count(), 0, 'the visitor is offered nothing');
    assert.deepEqual(problems, [], 'the page logged no errors');
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
});
