import { describe, expect, it } from 'vitest';

import type { HookRoute } from '../bindings/HookRoute';
import type { NewFlowToken } from '../bindings/NewFlowToken';
import { methodsText, shellQuote, tokenCurl, withToken } from './hookRoutes';

// The command the core writes for Boomerang Flow's route (hooks.rs).
const boomerang: HookRoute = {
  kind: 'boomerang',
  label: 'Boomerang Flow',
  methods: ['POST'],
  url: 'http://127.0.0.1:8787/webhook/payload',
  curl: `curl -i -X 'POST' 'http://127.0.0.1:8787/webhook/payload' -H 'Content-Type: application/json' --data '{"token":"'"$HOOKLINE_FLOW_TOKEN"'","name":"O'\\''Neil"}'`,
  variables: [{ name: 'HOOKLINE_FLOW_TOKEN', description: 'The flow token.' }],
  statusUrl: 'http://127.0.0.1:8787/webhook/status/{activityId}',
  note: '',
};

const made: NewFlowToken = {
  flowId: 'flw_pets',
  token: 'hlw_0123abcd',
  createdAt: '2026-12-01T10:00:00Z',
  payloadUrl: 'http://127.0.0.1:8787/webhook/payload',
  statusUrl: 'http://127.0.0.1:8787/webhook/status/{activityId}',
};

describe('the command a new token dialog offers', () => {
  it('writes the token inside the JSON text where the core put the variable', () => {
    expect(tokenCurl([boomerang], made)).toBe(
      `curl -i -X 'POST' 'http://127.0.0.1:8787/webhook/payload' -H 'Content-Type: application/json' --data '{"token":"hlw_0123abcd","name":"O'\\''Neil"}'`,
    );
  });

  it('escapes a token for its JSON string, then for its single-quoted shell word', () => {
    // a'b\c: JSON doubles the backslash; the shell closes, escapes and reopens around the quote.
    expect(withToken(`--data '{"token":"'"$HOOKLINE_FLOW_TOKEN"'"}'`, `a'b\\c`)).toBe(
      `--data '{"token":"a'\\''b\\\\c"}'`,
    );
    expect(withToken(`-H "$HOOKLINE_FLOW_TOKEN"`, 'hlw_1'), 'a bare reference becomes a quoted word').toBe(
      `-H 'hlw_1'`,
    );
  });

  it('posts the token alone to the payload URL when the panel has no route to start from', () => {
    expect(tokenCurl([], made)).toBe(
      `curl -i -X 'POST' 'http://127.0.0.1:8787/webhook/payload' -H 'Content-Type: application/json' --data '{"token":"hlw_0123abcd"}'`,
    );
  });
});

describe('route text', () => {
  it('lists methods as a sentence would', () => {
    expect(methodsText(['POST'])).toBe('POST');
    expect(methodsText(['GET', 'POST'])).toBe('GET or POST');
    expect(methodsText(['GET', 'POST', 'PUT'])).toBe('GET, POST or PUT');
  });

  it('quotes words as the core does', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
