// Canvas benchmark: a flow of 200 steps opened in the designer (browser mode,
// Debian's Chromium), then one node dragged across the canvas. Prints the
// median of several runs of: time from clicking the flow to all 200 nodes on
// screen, and the frame times while dragging.
//
//   npm --prefix ui/e2e run bench:canvas   (after `cargo build` and `npm --prefix ui run build`)

import { startHookline, startBrowser, api } from './harness.mjs';

const STEPS = 200;
const RUNS = Number(process.env.RUNS ?? 5);

function bigFlow() {
  const steps = [
    { id: 'stp_hook', component: 'webhook', name: 'Webhook', config: { methods: ['POST'], slug: 'big' } },
  ];
  const edges = [];
  for (let i = 1; i < STEPS; i += 1) {
    const id = `stp_t${i}`;
    steps.push({ id, component: 'transform', name: `Transform ${i}`, inputs: { value: { expr: `body.n + ${i}` } } });
    edges.push({ from: steps[i - 1].id, to: id });
  }
  return { schemaVersion: 1, name: 'Two hundred steps', steps, edges };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const hookline = await startHookline();
const browser = await startBrowser();
try {
  await api(hookline, 'importFlow', { text: JSON.stringify(bigFlow()) });
  const { page } = browser;
  const opens = [];
  const frames = [];
  for (let run = 0; run < RUNS; run += 1) {
    await page.goto(hookline.designerUrl);
    const row = page.getByTestId('flow-row').filter({ hasText: 'Two hundred steps' });
    await row.waitFor();
    const started = Date.now();
    await row.click();
    await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length >= n, STEPS, {
      timeout: 60_000,
      polling: 'raf',
    });
    opens.push(Date.now() - started);

    // Drag the trigger node 300 px in 30 moves, recording every frame's time.
    const node = page.locator('.react-flow__node').first();
    const box = await node.boundingBox();
    await page.evaluate(() => {
      window.__frames = [];
      let last = performance.now();
      const tick = (now) => {
        window.__frames.push(now - last);
        last = now;
        if (window.__recording) requestAnimationFrame(tick);
      };
      window.__recording = true;
      requestAnimationFrame(tick);
    });
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 30; i += 1) {
      await page.mouse.move(box.x + box.width / 2 + i * 10, box.y + box.height / 2 + i * 3);
    }
    await page.mouse.up();
    const drag = await page.evaluate(() => {
      window.__recording = false;
      return window.__frames.slice(1);
    });
    frames.push(...drag);
    const moved = await node.boundingBox();
    if (Math.abs(moved.x - box.x) < 100) throw new Error('the node did not follow the drag');
  }
  if (browser.problems.length) throw new Error(browser.problems.join('\n'));
  const p95 = [...frames].sort((a, b) => a - b)[Math.floor(frames.length * 0.95)];
  console.log(`| canvas, ${STEPS} steps | median of ${RUNS} |`);
  console.log('| --- | --- |');
  console.log(`| open (click to all nodes rendered) | ${median(opens)} ms (runs: ${opens.join(', ')}) |`);
  console.log(`| drag: frame time median / p95 / max | ${median(frames).toFixed(1)} / ${p95.toFixed(1)} / ${Math.max(...frames).toFixed(1)} ms over ${frames.length} frames |`);
} finally {
  await browser.stop();
  await hookline.stop();
}
