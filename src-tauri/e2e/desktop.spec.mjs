// The desktop window, driven for real: tauri-driver starts the built app and
// WebKitWebDriver controls its webview. Run by scripts/desktop-e2e.sh, which
// provides the display, the session bus, a temp data dir and a temp HOME.
//
// Environment:
//   HOOKLINE_DESKTOP_APP  absolute path of the built hookline-desktop
//   HOOKLINE_E2E_SHOT     where to write the screenshot of the flows list
//   HOOKLINE_E2E_OPENED   file where the xdg-open stand-in notes the links it got
//   HOOKLINE_E2E_PETSTORE base URL of the demo pet store the tutorial's flow calls
//                         (hookline demo petstore, started and stopped by the script)
//   UPDATE_SCREENSHOTS=1  also write the designer canvas to docs/designer-desktop.png

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { remote } from 'webdriverio';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const app = process.env.HOOKLINE_DESKTOP_APP ?? join(root, 'target/debug/hookline-desktop');
const listShot = process.env.HOOKLINE_E2E_SHOT ?? join(root, 'target/e2e/desktop.png');
const designerShot = join(root, 'docs/designer-desktop.png');
const FLOW_NAME = 'Orders from the shop';
const OTHER_FLOW = 'Made outside the window';
const EXAMPLE = join(root, 'examples/pets.flow.json');
const EXAMPLE_NAME = JSON.parse(readFileSync(EXAMPLE, 'utf8')).name;
const TUTORIAL_FLOW = 'Pets from the webhook tutorial';
/** The sample exactly as the elastic.io tutorial prints it ("Paste the following JSON"). */
const TUTORIAL_JSON = `{
  "petname": "Gromit",
  "petstatus": "Sold"
}`;
const petstore = process.env.HOOKLINE_E2E_PETSTORE;
/** A flow run by hand whose Manual trigger asks for an integer and a required text. */
const RUN_FORM_FLOW = {
  schemaVersion: 1,
  id: 'flw_desktop_run_form',
  name: 'Run form in the window',
  steps: [
    {
      id: 'stp_run',
      component: 'manual',
      name: 'Run by hand',
      config: { parameters: [{ name: 'copies', type: 'integer' }, { name: 'who', type: 'string', required: true }] },
    },
    { id: 'stp_note', component: 'transform', name: 'Note', inputs: { value: { expr: '$trigger.params' } } },
  ],
  edges: [{ from: 'stp_run', to: 'stp_note' }],
};
/** A Button that converts one CSV report of `folder`, with an editable quality. */
function buttonFlow(folder) {
  return {
    schemaVersion: 1,
    id: 'flw_desktop_button',
    name: 'Button in the window',
    parameters: [{ name: 'quality', type: 'integer', default: 1, overridable: true }],
    steps: [
      {
        id: 'stp_hook',
        component: 'webhook',
        name: 'Hook',
        config: {
          slug: 'desktop-button',
          allowedFolders: [folder],
          button: {
            label: 'Convert in the window',
            icon: 'file-text',
            form: { legend: 'Converts the picked report.', parameters: ['quality'], editable: ['quality'] },
            selection: { pick: 'files', extensions: ['csv'] },
          },
        },
      },
      { id: 'stp_result', component: 'transform', name: 'Result', inputs: { value: { expr: "{'quality': $params.quality, 'paths': paths}" } } },
    ],
    edges: [{ from: 'stp_hook', to: 'stp_result' }],
  };
}
const run = promisify(execFile);

function readFileIfAny(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** A port nobody listens on right now. */
function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Starts tauri-driver and resolves once it accepts connections. */
async function startDriver() {
  const port = await freePort();
  const nativePort = await freePort();
  const driver = spawn(process.env.TAURI_DRIVER ?? 'tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((_, fail) =>
    driver.once('exit', (code) => fail(new Error(`tauri-driver exited early (code ${code})`))),
  );
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const answer = await Promise.race([fetch(`http://127.0.0.1:${port}/status`), exited]);
      if (answer.status < 500) break;
    } catch (error) {
      if (String(error).includes('tauri-driver exited') || Date.now() > deadline) throw error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  exited.catch(() => {});
  return { port, stop: () => driver.kill('SIGTERM') };
}

/**
 * Runs one core operation through the window's IPC, as the UI does; resolves
 * to `{ok}` or `{rejected}` (not `error`: WebDriver would read a result with
 * an `error` key as its own failure).
 */
function call(browser, request) {
  return browser.executeAsync((request, done) => {
    window.__TAURI_INTERNALS__
      .invoke('call', { request })
      .then((value) => done({ ok: value }), (rejected) => done({ rejected }));
  }, request);
}

/** Invokes any command; resolves to `{ok}` or `{rejected}`. */
function invoke(browser, command, args) {
  return browser.executeAsync((command, args, done) => {
    window.__TAURI_INTERNALS__
      .invoke(command, args)
      .then((value) => done({ ok: value }), (rejected) => done({ rejected: String(rejected) }));
  }, command, args ?? {});
}

/**
 * Saves a screenshot once the page has painted what the DOM holds: WebKit's
 * snapshot is the last composited frame, which can lag a fresh DOM change.
 */
async function screenshot(browser, path) {
  await browser.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
  await browser.pause(300);
  mkdirSync(dirname(path), { recursive: true });
  await browser.saveScreenshot(path);
  step(`wrote ${path}`);
}

/**
 * Puts `text` on the clipboard as a reader copying it from the tutorial's
 * page would: WebKit lets a page write the clipboard only in answer to a user
 * gesture, so a stand-in for the page's "copy" button is clicked for real,
 * then removed.
 */
async function copyToClipboard(browser, text) {
  await browser.execute((text) => {
    const button = document.createElement('button');
    button.id = 'e2e-copy';
    button.textContent = 'Copy';
    button.style.cssText = 'position:fixed;top:0;left:0;z-index:100000';
    button.addEventListener('click', () => {
      navigator.clipboard.writeText(text).then(
        () => (button.dataset.copied = 'ok'),
        (e) => (button.dataset.copied = String(e)),
      );
    });
    document.body.append(button);
  }, text);
  const button = await browser.$('#e2e-copy');
  await button.click();
  await browser.waitUntil(async () => (await button.getAttribute('data-copied')) !== null, { timeoutMsg: 'copying never finished' });
  const copied = await button.getAttribute('data-copied');
  await browser.execute(() => document.getElementById('e2e-copy')?.remove());
  assert.equal(copied, 'ok', 'a click may write the clipboard');
}

/** The flows list's row of the flow named `name`. */
function flowRow(browser, name) {
  return browser.$(`//tr[@data-testid='flow-row'][.//a[normalize-space()=${JSON.stringify(name)}]]`);
}

const step = (text) => console.log(`desktop-e2e: ${text}`);

const driver = await startDriver();
let browser;
try {
  step(`launching ${app}`);
  browser = await remote({
    hostname: '127.0.0.1',
    port: driver.port,
    logLevel: 'warn',
    waitforTimeout: 20_000,
    connectionRetryCount: 0,
    capabilities: { 'tauri:options': { application: app } },
  });

  const heading = await browser.$('h1#flows-title');
  await heading.waitForDisplayed({ timeoutMsg: 'the window never showed the flows list (is ui/dist the real designer?)' });
  assert.equal(await browser.getTitle(), 'Hookline', 'the window is titled after the product');
  // The empty list means the UI's first `call` went through; scripts run
  // before the page settles can be cut off by its start-up navigation.
  await (await browser.$('[data-testid="flows-empty"]')).waitForDisplayed({
    timeoutMsg: 'the flows list never loaded over IPC (a fresh data dir shows the empty state)',
  });

  step('the IPC contract: call, ApiError rejections, capabilities, CSP');
  const empty = await call(browser, { op: 'listFlows', args: {} });
  assert.deepEqual(empty, { ok: [] }, 'a fresh data dir has no flows');
  const missing = await call(browser, { op: 'getFlow', args: { flow: 'flw_nope' } });
  assert.equal(missing.rejected?.code, 'flow_not_found', `rejections are ApiErrors: ${JSON.stringify(missing)}`);
  assert.equal(typeof missing.rejected?.message, 'string', 'an ApiError carries a message');
  const measuring = await invoke(browser, 'report_first_frame');
  assert.ok(measuring.rejected, 'the start-up measurement command is not available to a normal window');
  const fileLink = await invoke(browser, 'plugin:shell|open', { path: 'file:///etc/passwd' });
  assert.ok(fileLink.rejected, 'the shell plugin opens http(s) links only');
  if (process.env.HOOKLINE_E2E_OPENED) {
    const link = 'https://example.com/hookline?from=desktop';
    const opened = await invoke(browser, 'plugin:shell|open', { path: link });
    assert.ok('ok' in opened, `an https link opens: ${JSON.stringify(opened)}`);
    await browser.waitUntil(() => readFileIfAny(process.env.HOOKLINE_E2E_OPENED).includes(link), {
      timeout: 5_000,
      timeoutMsg: 'the link never reached xdg-open',
    });
  }
  const spawned = await invoke(browser, 'plugin:shell|spawn', { program: 'sh', args: ['-c', 'true'], options: {} });
  assert.ok(spawned.rejected, 'the window may not run programs');
  const violation = await browser.executeAsync((done) => {
    document.addEventListener('securitypolicyviolation', (e) => done(e.effectiveDirective), { once: true });
    setTimeout(() => done(null), 3000);
    const img = new Image();
    img.src = 'https://example.com/pixel.png';
  });
  assert.equal(violation, 'img-src', 'the content security policy applies: no images from elsewhere');
  const settings = await call(browser, { op: 'settings' });
  assert.equal(settings.ok?.listener?.running, true, `the webhook listener runs: ${JSON.stringify(settings)}`);

  step('creating a flow through the UI');
  await (await browser.$("//button[normalize-space()='New flow']")).click();
  const name = await browser.$('#new-flow-name');
  await name.waitForDisplayed();
  await name.setValue(FLOW_NAME);
  await browser.keys('Enter');

  await (await browser.$('.react-flow')).waitForDisplayed({ timeoutMsg: 'creating a flow did not open the designer' });
  await browser.keys('Escape'); // the designer may open the trigger chooser for a new flow

  step('back on the flows list');
  await (await browser.$("//nav[@aria-label='Main']//a[normalize-space()='Dashboard']")).click();
  await (await flowRow(browser, FLOW_NAME)).waitForDisplayed({ timeoutMsg: `the new flow "${FLOW_NAME}" is not listed` });
  const listed = await call(browser, { op: 'listFlows' });
  assert.deepEqual(
    listed.ok?.map((flow) => flow.name),
    [FLOW_NAME],
    'the core holds exactly the flow made in the window',
  );

  step('core events reach the window');
  const created = await call(browser, { op: 'createFlow', args: { name: OTHER_FLOW } });
  assert.ok(created.ok?.flowId, `createFlow answers with the new id: ${JSON.stringify(created)}`);
  await (await flowRow(browser, OTHER_FLOW)).waitForDisplayed({
    timeout: 10_000,
    timeoutMsg: 'a flow created outside the UI did not appear: the core-event bridge is not working',
  });
  const imported = await call(browser, { op: 'importFlow', args: { text: readFileSync(EXAMPLE, 'utf8') } });
  assert.ok(imported.ok?.flowId, `the example flow imports: ${JSON.stringify(imported)}`);
  const example = await flowRow(browser, EXAMPLE_NAME);
  await example.waitForDisplayed({ timeout: 10_000, timeoutMsg: 'the imported example flow is not listed' });

  await screenshot(browser, listShot);

  step('the designer draws the example flow');
  await (await example.$('a.flow-link')).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="step-node"]').length) === 2, {
    timeoutMsg: 'the designer did not draw the example flow\'s two steps',
  });
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    await browser.pause(800); // the canvas fits its nodes into view with an animation
    await screenshot(browser, designerShot);
  }

  step('a sample added by hand previews a mapped value');
  await (await browser.$('[data-testid="step-node"][data-step-id="stp_hook"]')).click();
  await (await browser.$("//button[normalize-space()='Add sample']")).click();
  const editor = await browser.$('[data-testid="sample-editor"] .cm-content');
  await editor.waitForDisplayed({ timeoutMsg: 'the sample editor did not open' });
  await editor.click();
  // A space between the closing braces: WebKitWebDriver drops a repeated key.
  await browser.keys('{"body": {"petname": "Shaun", "petstatus": "available"} }');
  await (await browser.$("//button[normalize-space()='Save sample']")).click();
  await browser.waitUntil(async () => (await browser.$$('[data-testid="sample-row"]').length) >= 2, {
    timeoutMsg: 'the typed sample was not kept beside the example\'s own',
  });
  await (await browser.$('[data-testid="step-node"][data-step-id="stp_create"]')).click();
  await (await browser.$("//button[normalize-space()='Map fields']")).click();
  const preview = await browser.$('[data-testid="target-field"][data-field="body.name"] [data-testid="preview-value"]');
  await browser.waitUntil(async () => (await preview.isExisting()) && (await preview.getText()).includes('Shaun'), {
    timeoutMsg: 'the mapping editor did not preview body.name from the new sample',
  });
  await browser.keys('Escape');
  await (await browser.$('[data-testid="mapping-editor"]')).waitForExist({ reverse: true });

  step('the webhook tutorial in the window: pasted sample, fields picked from the tree, publish, start, call');
  assert.ok(petstore, 'HOOKLINE_E2E_PETSTORE names the demo pet store (scripts/desktop-e2e.sh starts it)');
  await (await browser.$("//nav[@aria-label='Main']//a[normalize-space()='Dashboard']")).click();
  await (await browser.$("//button[normalize-space()='New flow']")).click();
  const flowName = await browser.$('#new-flow-name');
  await flowName.waitForDisplayed();
  await flowName.setValue(TUTORIAL_FLOW);
  await browser.keys('Enter');
  const search = await browser.$('input[placeholder="Search components"]');
  await search.waitForDisplayed({ timeoutMsg: 'a new flow did not open the component chooser on its trigger' });
  await search.setValue('webhook');
  await (await browser.$('[data-testid="component-webhook"]')).click();
  const tutorialFlow = (await call(browser, { op: 'listFlows' })).ok.find((f) => f.name === TUTORIAL_FLOW);
  assert.ok(tutorialFlow?.id, 'the tutorial flow was created');
  await (await browser.$("//button[normalize-space()='Save']")).click();
  await (await browser.$("//*[@data-testid='dirty-indicator'][normalize-space()='Saved']")).waitForDisplayed();

  // "Add sample manually": the tutorial's JSON goes through the clipboard.
  const samples = await browser.$('[data-testid="samples-section"]');
  await (await samples.$("//button[normalize-space()='Add sample']")).click();
  await copyToClipboard(browser, TUTORIAL_JSON);
  const sampleEditor = await samples.$('[data-testid="sample-editor"] .cm-content');
  await sampleEditor.click();
  await browser.keys(['Control', 'v']);
  await browser.waitUntil(async () => (await sampleEditor.getText()).includes('"petstatus": "Sold"'), {
    timeout: 5_000,
    timeoutMsg: 'pasting did not put the tutorial JSON into the sample editor',
  });
  const saveSample = await samples.$("//button[normalize-space()='Save sample']");
  await saveSample.waitForEnabled({ timeoutMsg: 'the pasted JSON was not accepted as valid' });
  await saveSample.click();
  await (await samples.$('[data-testid="sample-current"]')).waitForDisplayed({ timeoutMsg: 'the pasted sample did not become current' });
  const trigger = (await call(browser, { op: 'getFlow', args: { flow: tutorialFlow.id } })).ok.draft.steps[0];
  const [kept] = (await call(browser, { op: 'listSamples', args: { flow: tutorialFlow.id, step: trigger.id } })).ok;
  assert.deepEqual(
    kept?.value,
    { method: 'POST', path: `/hook/${tutorialFlow.id}`, headers: { 'content-type': 'application/json' }, query: {}, body: { petname: 'Gromit', petstatus: 'Sold' } },
    `the pasted JSON is kept as the body of a request to the hook: ${JSON.stringify(kept)}`,
  );

  // The pet store's POST /pet, its name and status picked from the sample tree.
  await (await browser.$('button[aria-label="Add step after Webhook"]')).click();
  await (await browser.$('input[placeholder="Search components"]')).setValue('http');
  await (await browser.$('[data-testid="component-http_request"]')).click();
  const url = await browser.$('[data-field="inputs:url"]');
  await url.waitForDisplayed();
  await url.setValue(`${petstore}/pet`);
  await (await browser.$('[data-field="inputs:method"]')).selectByVisibleText('POST');
  for (const field of ['name', 'status']) {
    await (await browser.$("//button[normalize-space()='Add body field']")).click();
    const fieldName = await browser.$('input[aria-label="New body field name"]');
    await fieldName.setValue(field);
    await browser.keys('Enter');
    await (await browser.$(`[data-field="inputs:body.${field}"]`)).waitForExist();
  }
  await (await browser.$("//button[normalize-space()='Map fields']")).click();
  const mapping = await browser.$('[data-testid="mapping-editor"]');
  await mapping.waitForDisplayed();
  for (const [target, source, expected] of [
    ['body.name', '$trigger.body.petname', 'Gromit'],
    ['body.status', '$trigger.body.petstatus', 'Sold'],
  ]) {
    const field = await mapping.$(`[data-testid="target-field"][data-field="${target}"]`);
    await (await field.$('.cm-content')).click();
    await (await mapping.$(`[data-testid="source-field"][data-path="${source}"]`)).click();
    await browser.waitUntil(async () => (await field.$('.cm-content').getText()).trim() === source, {
      timeoutMsg: `picking ${source} did not write it into ${target}`,
    });
    const value = await field.$('[data-testid="preview-value"]');
    await browser.waitUntil(async () => (await value.isExisting()) && (await value.getText()).includes(expected), {
      timeoutMsg: `${target} did not preview ${expected}`,
    });
  }
  await browser.keys('Escape');
  await mapping.waitForExist({ reverse: true });

  await (await browser.$("//button[normalize-space()='Publish']")).click();
  await (await browser.$("//*[@data-testid='flow-version'][normalize-space()='v1']")).waitForDisplayed({ timeoutMsg: 'publishing did not make v1' });
  await (await browser.$("//button[normalize-space()='Start']")).click();
  await (await browser.$("//*[@data-testid='flow-state'][normalize-space()='Live']")).waitForDisplayed({ timeoutMsg: 'the flow did not go live' });
  await (await browser.$("//button[@role='tab'][normalize-space()='Hooks']")).click();
  const hookUrl = (await (await browser.$('[data-testid="hook-url"]')).getText()).trim();
  assert.match(hookUrl, new RegExp(`^http://127\\.0\\.0\\.1:\\d+/hook/${tutorialFlow.id}$`), 'the Hooks tab shows the live hook /hook/FLOW_ID');

  const { stdout } = await run('curl', ['-sS', '-X', 'POST', hookUrl, '-H', 'Content-Type: application/json', '-d', TUTORIAL_JSON, '-w', '\n%{http_code}']);
  assert.equal(stdout.split('\n').pop(), '202', `the hook accepts the tutorial's payload: ${stdout}`);
  await (await browser.$("//button[@role='tab'][normalize-space()='Runs']")).click();
  await (await browser.$('[data-testid="runs-tab"] [data-testid="execution-row"][data-status="succeeded"]')).waitForDisplayed({
    timeoutMsg: 'the Runs tab shows no succeeded execution',
  });
  const executions = (await call(browser, { op: 'listExecutions', args: { flow: tutorialFlow.id } })).ok;
  assert.deepEqual(executions.map((e) => [e.trigger, e.status]), [['webhook', 'succeeded']], 'one webhook run, succeeded');
  const pets = await (await fetch(`${petstore}/pet`)).json();
  assert.deepEqual(pets.map((p) => [p.name, p.status]), [['Gromit', 'Sold']], `the run created the pet: ${JSON.stringify(pets)}`);

  step('the run form: a bad value said inline, then a run whose values the run log shows');
  const formFlow = await call(browser, { op: 'importFlow', args: { text: JSON.stringify(RUN_FORM_FLOW) } });
  assert.ok(formFlow.ok?.flowId, `the run-form flow imports: ${JSON.stringify(formFlow)}`);
  await (await browser.$("//nav[@aria-label='Main']//a[normalize-space()='Dashboard']")).click();
  await (await (await flowRow(browser, RUN_FORM_FLOW.name)).$('a.flow-link')).click();
  await (await browser.$("//button[normalize-space()='Run once']")).click();
  const copies = await browser.$('[data-field="run:form:copies"]');
  await copies.waitForDisplayed({ timeoutMsg: 'Run once did not open the run form' });
  await copies.setValue('many');
  await (await browser.$("//*[@data-testid='run-dialog']//p[normalize-space()='Enter a number']")).waitForDisplayed({
    timeoutMsg: 'a word typed where an integer goes was not refused inline',
  });
  await copies.click();
  await browser.keys(['Control', 'a']);
  await browser.keys('2');
  await (await browser.$('[data-field="run:form:who"]')).setValue('Grace');
  await (await browser.$("//*[@data-testid='run-dialog']//button[normalize-space()='Run']")).click();
  const ranWith = await browser.$('[data-testid="runs-tab"] [data-testid="execution-form"]');
  await ranWith.waitForDisplayed({ timeoutMsg: "the run log does not show the run form's values" });
  assert.equal(await (await ranWith.$('[data-name="copies"] dd')).getText(), '2', 'copies ran as the number typed');
  assert.equal(await (await ranWith.$('[data-name="who"] dd')).getText(), '"Grace"', 'who ran as typed');

  step('the Launcher: a Button pressed in the window, with a value and a picked file, runs and is seen succeeding');
  const reports = realpathSync(mkdtempSync(join(tmpdir(), 'hookline-desktop-reports-')));
  try {
    writeFileSync(join(reports, 'march.csv'), 'a,b\n1,2\n');
    const buttonDoc = buttonFlow(reports);
    const importedButton = await call(browser, { op: 'importFlow', args: { text: JSON.stringify(buttonDoc) } });
    assert.ok(importedButton.ok?.flowId, `the Button's flow imports: ${JSON.stringify(importedButton)}`);
    assert.ok('ok' in (await call(browser, { op: 'publish', args: { flow: buttonDoc.id } })), 'it publishes');
    assert.ok('ok' in (await call(browser, { op: 'start', args: { flow: buttonDoc.id } })), 'it starts');
    await (await browser.$("//nav[@aria-label='Main']//a[normalize-space()='Launcher']")).click();
    const card = await browser.$(`[data-testid="launcher-button"][data-flow="${buttonDoc.id}"]`);
    await card.waitForDisplayed({ timeoutMsg: 'the Launcher does not list the started flow\'s Button' });
    await card.click();
    const quality = await browser.$(`[data-field="button:${buttonDoc.id}:quality"]`);
    await quality.waitForDisplayed({ timeoutMsg: 'the Button did not open its form' });
    await quality.click();
    await browser.keys(['Control', 'a']);
    await browser.keys('4');
    await (await browser.$(`button[aria-label="Open ${reports}"]`)).click();
    const pick = await browser.$('input[aria-label="Pick march.csv"]');
    await pick.waitForDisplayed({ timeoutMsg: 'the path picker did not list the report' });
    await pick.click();
    await (await browser.$("//*[@data-testid='button-form']//button[normalize-space()='Run']")).click();
    const succeeded = await browser.$('[data-testid="launcher-run-status"][data-status="succeeded"]');
    await succeeded.waitForDisplayed({ timeout: 20_000, timeoutMsg: "the Launcher never showed the Button's run succeeding" });
    const runId = await (await browser.$('[data-testid="launcher-run"]')).getAttribute('data-execution-id');
    const ranButton = (await call(browser, { op: 'getExecution', args: { id: runId } })).ok;
    assert.deepEqual(
      ranButton?.output,
      { quality: 4, paths: [join(reports, 'march.csv')] },
      `the run had the typed quality and the picked file: ${JSON.stringify(ranButton)}`,
    );
  } finally {
    rmSync(reports, { recursive: true, force: true });
  }
  step('passed');
} catch (error) {
  if (browser) {
    try {
      const failShot = listShot.replace(/\.png$/, '-failure.png');
      mkdirSync(dirname(failShot), { recursive: true });
      await browser.saveScreenshot(failShot);
      console.error(`desktop-e2e: the window at the failure: ${failShot}`);
    } catch {
      // the window is gone; the error below says why
    }
  }
  console.error(`desktop-e2e: FAILED: ${error?.stack ?? error}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.deleteSession().catch(() => {});
  driver.stop();
}
