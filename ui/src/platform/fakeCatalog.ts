/**
 * The built-in components as the core describes them, for the fake backend
 * and tests. The real catalog comes from the core's `components` operation.
 */
import type { ComponentDescriptor } from '../bindings/ComponentDescriptor';

const emptyObject = { type: 'object', additionalProperties: false, properties: {} };

function describe(d: Partial<ComponentDescriptor> & Pick<ComponentDescriptor, 'id' | 'kind' | 'title' | 'description' | 'icon'>): ComponentDescriptor {
  return {
    configSchema: emptyObject,
    inputSchema: emptyObject,
    credentialKinds: [],
    exampleOutput: {},
    branching: false,
    sideEffects: false,
    receivesHttp: false,
    sampleHint: null,
    ...d,
  };
}

export const fakeComponents: ComponentDescriptor[] = [
  describe({
    id: 'manual',
    kind: 'trigger',
    title: 'Manual run',
    description: 'Starts the flow by hand, from the app or the command line, with a form of parameters.',
    icon: 'play',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        parameters: {
          title: 'Parameters',
          description: 'Fields of the form shown when the flow is run by hand.',
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
              title: { type: 'string' },
              type: { enum: ['string', 'number', 'integer', 'boolean', 'object', 'array'], default: 'string' },
              required: { type: 'boolean', default: false },
              default: {},
            },
          },
        },
      },
    },
    exampleOutput: { params: { customer: 'ACME', dryRun: false } },
  }),
  describe({
    id: 'webhook',
    receivesHttp: true,
    kind: 'trigger',
    title: 'Webhook',
    description: "Starts the flow when an HTTP request reaches the flow's local hook URL.",
    icon: 'webhook',
    configSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        methods: {
          title: 'Methods',
          description: 'HTTP methods the hook accepts.',
          type: 'array',
          minItems: 1,
          uniqueItems: true,
          default: ['POST'],
          items: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
        },
        slug: {
          title: 'Slug',
          description: 'A readable name for the hook URL: /hook/{slug}.',
          type: 'string',
          pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
        },
        respond: {
          title: 'Reply',
          description: 'async answers 202 at once; sync waits for the flow to finish.',
          enum: ['async', 'sync'],
          default: 'async',
        },
        timeoutMs: {
          title: 'Sync timeout (ms)',
          description: 'How long a synchronous reply waits for the flow.',
          type: 'integer',
          minimum: 1,
          maximum: 300000,
          default: 30000,
        },
        policies: {
          title: 'Access policies',
          description: 'Rules such as profile:admin or role:reviewers; any match admits the caller.',
          type: 'array',
          items: { type: 'string', pattern: '^(profile|role):.+$' },
        },
      },
    },
    credentialKinds: ['none', 'basic', 'api_key', 'bearer', 'hmac'],
    exampleOutput: {
      method: 'POST',
      path: '/hook/pets',
      headers: { 'content-type': 'application/json' },
      query: {},
      body: { petname: 'Gromit', petstatus: 'available' },
    },
  }),
  describe({
    id: 'condition',
    kind: 'action',
    title: 'Condition',
    description: 'Chooses a branch: edges marked true run when the condition holds, edges marked false otherwise.',
    icon: 'git-branch',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['condition'],
      properties: {
        condition: { title: 'Condition', description: 'A boolean, usually an expression such as body.amount > 100.', type: 'boolean' },
      },
    },
    exampleOutput: { result: true },
    branching: true,
  }),
  describe({
    id: 'delay',
    kind: 'action',
    title: 'Delay',
    description: 'Waits a number of milliseconds before the next step (at most one hour).',
    icon: 'timer',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['ms'],
      properties: { ms: { title: 'Milliseconds', type: 'integer', minimum: 0, maximum: 3600000 } },
    },
    exampleOutput: { waitedMs: 1000 },
  }),
  describe({
    id: 'http_request',
    kind: 'action',
    title: 'HTTP Request',
    description: 'Calls an HTTP API: any method, URL, headers, query and body. JSON responses are parsed.',
    icon: 'globe',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        method: { title: 'Method', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], default: 'GET' },
        url: { title: 'URL', description: 'An http:// or https:// URL.', type: 'string', minLength: 1 },
        headers: { title: 'Headers', type: 'object', additionalProperties: { type: 'string' } },
        query: { title: 'Query parameters', type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
        body: { title: 'Body', description: 'Sent as JSON, or as text when it is a string.' },
        timeoutMs: { title: 'Timeout (ms)', type: 'integer', minimum: 1, maximum: 600000, default: 30000 },
        failOnHttpError: { title: 'Fail on HTTP error', description: 'A status outside 200–299 fails the step.', type: 'boolean', default: true },
      },
    },
    credentialKinds: ['basic', 'api_key', 'bearer', 'oauth2_client_credentials'],
    exampleOutput: { status: 200, headers: { 'content-type': 'application/json' }, body: { id: 1, name: 'Gromit', status: 'available' } },
    sideEffects: true,
  }),
  describe({
    id: 'respond',
    kind: 'action',
    title: 'Respond',
    description: 'Builds the HTTP reply (status, headers, body) that a synchronous webhook returns to its caller.',
    icon: 'reply',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        status: { title: 'Status', type: 'integer', minimum: 100, maximum: 599, default: 200 },
        headers: { title: 'Headers', type: 'object', additionalProperties: { type: 'string' } },
        body: { title: 'Body' },
      },
    },
    exampleOutput: { status: 201, headers: { 'content-type': 'application/json' }, body: { ok: true } },
  }),
  describe({
    id: 'transform',
    kind: 'action',
    title: 'Transform',
    description: "Reshapes data with a JSONata expression; the step's output is the expression's value.",
    icon: 'shuffle',
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { value: { title: 'Value', description: 'Usually an expression building the new shape.' } },
    },
    exampleOutput: { fullName: 'Ada Lovelace', total: 42 },
  }),
];
