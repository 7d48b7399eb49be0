// What the end-to-end tests run against: the real `hookline` binary (browser
// mode and the demo pet store) on a temporary data dir, and Debian's Chromium
// driven by playwright-core. Nothing is mocked.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');

/** The hookline binary cargo built (HOOKLINE_BIN overrides). */
export function hooklineBinary() {
  const bin = process.env.HOOKLINE_BIN ?? join(root, 'target/debug/hookline');
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`cargo build -p hookline-cli\` first`);
  return bin;
}

/** A temporary directory removed by `cleanup`. */
export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Starts `hookline ARGS…` and resolves with the first output line matching
 * `pattern` (its match) once it appears; the process is killed by `stop()`.
 */
export function startProcess(args, pattern, { timeoutMs = 30_000 } = {}) {
  const child = spawn(hooklineBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`hookline ${args.join(' ')} printed nothing matching ${pattern} in ${timeoutMs} ms:\n${output.join('\n')}`));
    }, timeoutMs);
    let found = false;
    const onLine = (line) => {
      output.push(line);
      const match = line.match(pattern);
      if (match && !found) {
        found = true;
        clearTimeout(timer);
        resolvePromise({
          match,
          output,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
    child.once('exit', (code) => {
      if (!found) {
        clearTimeout(timer);
        reject(new Error(`hookline ${args.join(' ')} exited with ${code}:\n${output.join('\n')}`));
      }
    });
  });
}

/**
 * A data dir with the pet store demo and `hookline serve --ui` running on it,
 * both on ports the OS chose.
 */
export async function startHookline() {
  const dataDir = tempDir('hookline-e2e-data-');
  const uiDir = join(root, 'ui/dist');
  if (!existsSync(join(uiDir, 'index.html'))) throw new Error('ui/dist is missing: run `npm --prefix ui run build` first');
  const petstore = await startProcess(
    ['--data-dir', dataDir, 'demo', 'petstore', '--listen', '127.0.0.1:0'],
    /pet store listening on (http:\/\/\S+)/,
  );
  const serve = await startProcess(
    ['--data-dir', dataDir, 'serve', '--listen', '127.0.0.1:0', '--ui', '--ui-dir', uiDir],
    /^designer: (http:\/\/\S+)/,
  );
  const designerUrl = serve.match[1];
  return {
    dataDir,
    petstoreUrl: petstore.match[1],
    designerUrl,
    baseUrl: new URL(designerUrl).origin,
    token: new URL(designerUrl).searchParams.get('token'),
    serveOutput: serve.output,
    async stop() {
      await serve.stop();
      await petstore.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Debian's Chromium, headless, with a fresh profile. Console errors and
 * uncaught page errors are collected: the designer must produce none.
 */
export async function startBrowser() {
  const profile = tempDir('hookline-e2e-profile-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1440, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return {
    page,
    context,
    problems,
    async stop() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `hookline --data-dir <the test's data dir> ARGS…` to the end, with
 * `input` on its standard input, as a user at a terminal would (credentials,
 * for one, are added from the command line); resolves with its output and
 * rejects when it exits non-zero.
 */
export function cli(hookline, args, input = '') {
  const child = spawn(hooklineBinary(), ['--data-dir', hookline.dataDir, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(input);
  return new Promise((done, fail) =>
    child.once('exit', (code) =>
      code === 0 ? done({ stdout, stderr }) : fail(new Error(`hookline ${args.join(' ')} exited with ${code}:\n${stdout}${stderr}`)),
    ),
  );
}

/** Calls the browser mode's API directly, as a tester's script would. */
export async function api(hookline, op, args = {}) {
  const response = await fetch(`${hookline.baseUrl}/api/${op}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${hookline.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(args),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`${op}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * Starts Hookline and a browser before the file's tests and stops both after
 * them; returns an object whose `hookline` and `browser` are set by then.
 */
export function useHooklineAndBrowser(before, after) {
  const running = {};
  before(async () => {
    running.hookline = await startHookline();
    running.browser = await startBrowser();
  });
  after(async () => {
    await running.browser?.stop();
    await running.hookline?.stop();
  });
  return running;
}
