// The Postman collection of a hook that checks a signature signs each
// request itself: its pre-request script, run by newman (Postman's own
// runner, in Node), must produce signatures the real listener accepts, for
// every preset, and a body edited after signing must be refused. The secret
// is a collection variable the tester fills in, empty in the export unless
// they ask for it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import newman from 'newman';
import { startHookline, cli, api } from './harness.mjs';

let hookline;

// One credential per scheme the listener checks, each guarding its own hook.
const schemes = [
  { name: 'github', set: ['preset=github'], secret: 'gh-secret-5b1' },
  { name: 'stripe', set: ['preset=stripe'], secret: 'whsec_stripe_local_9' },
  {
    name: 'standard',
    set: ['preset=standard-webhooks'],
    secret: 'whsec_' + Buffer.from('standard webhooks key, 32 bytes!').toString('base64'),
  },
  {
    name: 'generic',
    set: ['preset=generic', 'header=X-Signature', 'algorithm=sha1', 'encoding=base64', 'prefix=sha1='],
    secret: 'generic-secret-77',
  },
];

before(async () => {
  hookline = await startHookline();
  await cli(hookline, ['vault', 'create-key-file']);
  for (const scheme of schemes) {
    const sets = scheme.set.flatMap((pair) => ['--set', pair]);
    await cli(
      hookline,
      ['vault', 'add', `${scheme.name}-signer`, '--kind', 'hmac', ...sets],
      `secret=${scheme.secret}\n`,
    );
    const flow = {
      schemaVersion: 1,
      id: `flw_${scheme.name}`,
      name: `Signed ${scheme.name}`,
      steps: [
        {
          id: 'stp_hook',
          component: 'webhook',
          name: 'Hook',
          credential: `${scheme.name}-signer`,
          config: { slug: `signed-${scheme.name}` },
          sample: { body: { order: 7, note: 'café ☕' } },
        },
        { id: 'stp_echo', component: 'transform', name: 'Echo', inputs: { value: { expr: 'body' } } },
      ],
      edges: [{ from: 'stp_hook', to: 'stp_echo' }],
    };
    await api(hookline, 'importFlow', { text: JSON.stringify(flow) });
    await api(hookline, 'publish', { flow: flow.id });
    await api(hookline, 'start', { flow: flow.id });
  }
});

after(async () => {
  await hookline?.stop();
});

/** Runs `collection` with newman; resolves with each request's name and status. */
function run(collection) {
  return new Promise((resolve, reject) => {
    newman.run({ collection, reporters: [] }, (error, summary) => {
      if (error) return reject(error);
      const failures = summary.run.failures.map((failure) => `${failure.source?.name}: ${failure.error.message}`);
      if (failures.length) return reject(new Error(failures.join('\n')));
      resolve(summary.run.executions.map((execution) => [execution.item.name, execution.response?.code]));
    });
  });
}

/** The collection's requests that go to the hook itself (not Boomerang's token routes). */
function signedItems(collection) {
  return collection.item.filter((item) => item.event?.some((event) => event.listen === 'prerequest'));
}

function withSecret(collection, secret) {
  const copy = structuredClone(collection);
  copy.variable.find((variable) => variable.key === 'hookSecret').value = secret;
  return copy;
}

for (const scheme of schemes) {
  test(`the ${scheme.name} hook accepts every request its collection signs`, async () => {
    const collection = await api(hookline, 'postmanCollection', { flow: `flw_${scheme.name}` });
    assert.ok(!JSON.stringify(collection).includes(scheme.secret), 'the export holds no secret');
    const variable = collection.variable.find((v) => v.key === 'hookSecret');
    assert.equal(variable.value, '', 'the tester fills the secret in');
    const signed = signedItems(collection);
    assert.deepEqual(
      signed.map((item) => item.name.split(':')[0]).sort(),
      ['Cloudomation', 'POST Signed ' + scheme.name, 'Pydio Cells', 'Send sample (capture, runs nothing)'].sort(),
      'every route that checks the signature signs, Boomerang (token) does not',
    );
    const calls = {
      ...withSecret(collection, scheme.secret),
      item: signed.filter((item) => !item.name.startsWith('Send sample')),
    };
    const answers = await run(calls);
    assert.equal(answers.length, 3);
    for (const [name, status] of answers) {
      assert.ok(status >= 200 && status < 300, `${name} was accepted: ${status}`);
    }
  });
}

test('a body edited after signing, or a wrong secret, is refused', async () => {
  const collection = withSecret(
    await api(hookline, 'postmanCollection', { flow: 'flw_stripe' }),
    'whsec_stripe_local_9',
  );
  const hook = signedItems(collection).find((item) => item.name.startsWith('POST '));
  const edited = structuredClone(hook);
  edited.name = 'edited';
  // Runs after the signing script: the signature is for the old body.
  edited.event.push({
    listen: 'prerequest',
    script: { type: 'text/javascript', exec: ["pm.request.body.update({ mode: 'raw', raw: '{\"order\":8}' });"] },
  });
  const wrong = withSecret({ ...collection, item: [hook] }, 'whsec_not_the_secret');
  assert.deepEqual(await run({ ...collection, item: [hook, edited] }), [
    [hook.name, 202],
    ['edited', 401],
  ]);
  assert.deepEqual(await run(wrong), [[hook.name, 401]]);
});

test('asked for explicitly, the export carries the secret and signs with it', async () => {
  const collection = await api(hookline, 'postmanCollection', { flow: 'flw_github', withSecrets: true });
  assert.equal(collection.variable.find((v) => v.key === 'hookSecret').value, 'gh-secret-5b1');
  const hook = signedItems(collection).find((item) => item.name.startsWith('POST '));
  assert.deepEqual(await run({ ...collection, item: [hook] }), [[hook.name, 202]]);
});

test('the panel signs a chosen body into a curl command on the real address', async () => {
  const body = '{"order": 9,  "spaced": true}';
  const call = await api(hookline, 'signCall', { flow: 'flw_standard', body });
  assert.equal(call.url, `${hookline.baseUrl}/hook/signed-standard`);
  assert.equal(call.validForSeconds, 300);
  assert.deepEqual(
    call.headers.map((header) => header.name),
    ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
  );
  assert.match(call.curl, /--data-binary '\{"order": 9, {2}"spaced": true\}'$/);
  const headers = Object.fromEntries(call.headers.map((header) => [header.name, header.value]));
  const sent = await fetch(call.url, {
    method: call.method,
    headers: { ...headers, 'Content-Type': 'application/json' },
    body,
  });
  assert.equal(sent.status, 202, 'the exact bytes signed are accepted');
  const changed = await fetch(call.url, { method: call.method, headers, body: body.replace('9', '10') });
  assert.equal(changed.status, 401);
  const sample = await api(hookline, 'signCall', { flow: 'flw_github' });
  assert.equal(JSON.parse(sample.body).note, 'café ☕', 'without a body, the trigger sample is signed');
});
