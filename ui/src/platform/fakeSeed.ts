import { createFakePlatform, type FakePlatform } from './fake';

/** The fake backend with one example flow, for looking at the UI without a core. */
export async function createDemoPlatform(): Promise<FakePlatform> {
  const platform = createFakePlatform({
    busyAddresses: ['127.0.0.1:80'],
    autoCaptureMs: 4000,
    credentials: [
      {
        id: 'crd_demo',
        name: 'petstore-key',
        kind: 'api_key',
        fields: { in: 'header', name: 'X-Api-Key' },
        secrets: { key: '••••••' },
        status: 'ok',
        problem: null,
        usedBy: [],
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        verification: null,
        token: null,
      },
    ],
  });
  await platform.call('importFlow', {
    text: JSON.stringify({
      schemaVersion: 1,
      id: 'flw_pets',
      name: 'Pets from webhook',
      description: 'Create a pet for every webhook call',
      steps: [
        {
          id: 'stp_hook',
          component: 'webhook',
          name: 'Webhook',
          config: { methods: ['POST'], respond: 'async', slug: 'pets' },
          sample: { body: { petname: 'Gromit', petstatus: 'Sold' } },
        },
        {
          id: 'stp_create',
          component: 'http_request',
          name: 'Create pet',
          note: 'Petstore API',
          inputs: {
            method: { value: 'POST' },
            url: { value: 'http://127.0.0.1:9000/pet' },
            'body.name': { expr: '$trigger.body.petname' },
            'body.status': { expr: '$trigger.body.petstatus' },
          },
        },
      ],
      edges: [{ from: 'stp_hook', to: 'stp_create' }],
    }),
  });
  return platform;
}
