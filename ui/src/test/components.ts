/**
 * The built-in components exactly as the core's `components` operation
 * describes them (crates/engine/src/components). The designer builds its
 * forms, chooser and mapping targets from these descriptors, so tests use the
 * core's words; when a descriptor changes in Rust, this answer changes too.
 */
import type { ComponentDescriptor } from '../bindings/ComponentDescriptor';

// Actions take no config and triggers no input: the core sends this schema.
const nothing = { type: 'object', additionalProperties: false, properties: {} };

export const manual: ComponentDescriptor = {
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
  inputSchema: nothing,
  credentialKinds: [],
  exampleOutput: { params: { customer: 'ACME', dryRun: false } },
  branching: false,
  sideEffects: false,
};

export const webhook: ComponentDescriptor = {
  id: 'webhook',
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
  inputSchema: nothing,
  credentialKinds: ['none', 'basic', 'api_key', 'bearer', 'hmac'],
  exampleOutput: {
    method: 'POST',
    path: '/hook/pets',
    headers: { 'content-type': 'application/json' },
    query: {},
    body: { petname: 'Gromit', petstatus: 'available' },
  },
  branching: false,
  sideEffects: false,
};

export const condition: ComponentDescriptor = {
  id: 'condition',
  kind: 'action',
  title: 'Condition',
  description: 'Chooses a branch: edges marked true run when the condition holds, edges marked false otherwise.',
  icon: 'git-branch',
  configSchema: nothing,
  inputSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['condition'],
    properties: {
      condition: {
        title: 'Condition',
        description: 'A boolean, usually an expression such as body.amount > 100.',
        type: 'boolean',
      },
    },
  },
  credentialKinds: [],
  exampleOutput: { result: true },
  branching: true,
  sideEffects: false,
};

export const delay: ComponentDescriptor = {
  id: 'delay',
  kind: 'action',
  title: 'Delay',
  description: 'Waits a number of milliseconds before the next step (at most one hour).',
  icon: 'timer',
  configSchema: nothing,
  inputSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['ms'],
    properties: { ms: { title: 'Milliseconds', type: 'integer', minimum: 0, maximum: 3600000 } },
  },
  credentialKinds: [],
  exampleOutput: { waitedMs: 1000 },
  branching: false,
  sideEffects: false,
};

export const httpRequest: ComponentDescriptor = {
  id: 'http_request',
  kind: 'action',
  title: 'HTTP Request',
  description: 'Calls an HTTP API: any method, URL, headers, query and body. JSON responses are parsed.',
  icon: 'globe',
  configSchema: nothing,
  inputSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['url'],
    properties: {
      method: { title: 'Method', enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], default: 'GET' },
      url: { title: 'URL', description: 'An http:// or https:// URL.', type: 'string', minLength: 1 },
      headers: { title: 'Headers', type: 'object', additionalProperties: { type: 'string' } },
      query: {
        title: 'Query parameters',
        type: 'object',
        additionalProperties: { type: ['string', 'number', 'boolean'] },
      },
      body: { title: 'Body', description: 'Sent as JSON, or as text when it is a string.' },
      timeoutMs: { title: 'Timeout (ms)', type: 'integer', minimum: 1, maximum: 600000, default: 30000 },
      failOnHttpError: {
        title: 'Fail on HTTP error',
        description: 'A status outside 200–299 fails the step.',
        type: 'boolean',
        default: true,
      },
    },
  },
  credentialKinds: ['basic', 'api_key', 'bearer', 'oauth2_client_credentials'],
  exampleOutput: {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: { id: 1, name: 'Gromit', status: 'available' },
  },
  branching: false,
  sideEffects: true,
};

export const respond: ComponentDescriptor = {
  id: 'respond',
  kind: 'action',
  title: 'Respond',
  description: 'Builds the HTTP reply (status, headers, body) that a synchronous webhook returns to its caller.',
  icon: 'reply',
  configSchema: nothing,
  inputSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      status: { title: 'Status', type: 'integer', minimum: 100, maximum: 599, default: 200 },
      headers: { title: 'Headers', type: 'object', additionalProperties: { type: 'string' } },
      body: { title: 'Body' },
    },
  },
  credentialKinds: [],
  exampleOutput: { status: 201, headers: { 'content-type': 'application/json' }, body: { ok: true } },
  branching: false,
  sideEffects: false,
};

export const transform: ComponentDescriptor = {
  id: 'transform',
  kind: 'action',
  title: 'Transform',
  description: "Reshapes data with a JSONata expression; the step's output is the expression's value.",
  icon: 'shuffle',
  configSchema: nothing,
  inputSchema: {
    type: 'object',
    additionalProperties: false,
    properties: { value: { title: 'Value', description: 'Usually an expression building the new shape.' } },
  },
  credentialKinds: [],
  exampleOutput: { fullName: 'Ada Lovelace', total: 42 },
  branching: false,
  sideEffects: false,
};

/** The answer to `components`, in the core's order. */
export const builtInComponents: ComponentDescriptor[] = [
  manual,
  webhook,
  condition,
  delay,
  httpRequest,
  respond,
  transform,
];
