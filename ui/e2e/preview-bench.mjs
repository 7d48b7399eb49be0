// Preview benchmark: an HTTP Request step with 20 declared, typed and mapped body fields,
// previewed against a trigger sample of about 100 KB, from inside the
// designer's page in Chromium exactly as the mapping editor asks for it
// (POST /api/previewStep with the unsaved document). Prints the median and
// p95 of the round trips.
//
//   npm --prefix ui/e2e run bench:preview   (after `cargo build --release -p hookline-cli`
//   or `cargo build`, and `npm --prefix ui run build`; HOOKLINE_BIN picks the binary)

import { startHookline, startBrowser, api } from './harness.mjs';

const CALLS = Number(process.env.CALLS ?? 200);

function bigSample() {
  const items = [];
  for (let i = 0; items.length === 0 || JSON.stringify(items).length < 100_000; i += 1) {
    items.push({ sku: `SKU-${i}`, title: `Item number ${i} with a longer description`, price: i * 1.25, qty: i % 7 });
  }
  return {
    method: 'POST',
    path: '/hook/orders',
    headers: { 'content-type': 'application/json' },
    query: {},
    body: { order: { id: 'ord_1', customer: { name: 'Gromit', email: 'gromit@example.com' }, items } },
  };
}

function flow() {
  const inputs = { method: { value: 'POST' }, url: { value: 'http://127.0.0.1:9/orders' } };
  const expressions = [
    'body.order.id', 'body.order.customer.name', 'body.order.customer.email', '$count(body.order.items)',
    '$sum(body.order.items.price)', '$sum(body.order.items.qty)', 'body.order.items[0].sku', 'body.order.items[-1].sku',
    '$uppercase(body.order.customer.name)', "body.order.id & '-' & $string($count(body.order.items))",
    'body.order.items[price > 100][0].title', '$max(body.order.items.price)', '$min(body.order.items.qty)',
    "$substringBefore(body.order.customer.email, '@')", 'method', 'path', "headers.'content-type'",
    '$exists(body.order.coupon)', '$round($average(body.order.items.price), 2)', 'body.order.items[qty = 3].sku[0]',
  ];
  // Each target is a declared body field with its type (the first five
  // required), so every preview also type-checks all 20 values.
  const types = ['string', 'string', 'string', 'integer', 'number', 'integer', 'string', 'string', 'string', 'string',
    'string', 'number', 'integer', 'string', 'string', 'string', 'string', 'boolean', 'number', 'array'];
  const fields = [];
  expressions.forEach((expr, i) => {
    const field = `body.f${String(i + 1).padStart(2, '0')}`;
    inputs[field] = { expr };
    fields.push({ field, type: types[i], ...(i < 5 ? { required: true } : {}) });
  });
  return {
    schemaVersion: 1,
    name: 'Preview bench',
    steps: [
      { id: 'stp_hook', component: 'webhook', name: 'Orders', config: { methods: ['POST'], slug: 'orders' } },
      { id: 'stp_send', component: 'http_request', name: 'Send', fields, inputs },
    ],
    edges: [{ from: 'stp_hook', to: 'stp_send' }],
  };
}

const hookline = await startHookline();
const browser = await startBrowser();
try {
  const { flowId } = await api(hookline, 'importFlow', { text: JSON.stringify(flow()) });
  const sample = bigSample();
  await api(hookline, 'addSample', { flow: flowId, step: 'stp_hook', value: sample });
  const document = (await api(hookline, 'getFlow', { flow: flowId })).draft;
  const { page } = browser;
  await page.goto(hookline.designerUrl);
  const times = await page.evaluate(
    async ({ token, flow, document, calls }) => {
      const out = [];
      for (let i = 0; i < calls; i += 1) {
        const started = performance.now();
        const response = await fetch('/api/previewStep', {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ flow, step: 'stp_send', document }),
        });
        const preview = await response.json();
        out.push(performance.now() - started);
        if (!response.ok || preview.fields.some((f) => f.field.startsWith('body.f') && f.check !== 'ok')) {
          throw new Error(`preview failed: ${JSON.stringify(preview.fields.filter((f) => f.check !== "ok"))}`);
        }
      }
      return out;
    },
    { token: hookline.token, flow: flowId, document, calls: CALLS },
  );
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))].toFixed(1);
  console.log(`sample: ${JSON.stringify(sample).length} bytes, 20 mapped fields, ${CALLS} previews`);
  console.log(`| preview round trip from the page | median ${at(0.5)} ms | p95 ${at(0.95)} ms | max ${at(1)} ms |`);
} finally {
  await browser.stop();
  await hookline.stop();
}
