import { describe, expect, it } from 'vitest';

import { curlCommand, hookRequestOf, listenerBase } from './curl';

// A webhook trigger's output as the core records it: secret headers already masked.
const received = {
  method: 'POST',
  path: '/hook/pets',
  headers: {
    'content-type': 'application/json',
    'content-length': '27',
    host: '127.0.0.1:8787',
    authorization: '••••••',
    'x-request-id': "it's-1",
  },
  query: { dry: 'true', tag: ['a', 'b'] },
  body: { petname: 'Gromit', petstatus: 'Sold' },
};

describe('copy as curl', () => {
  it('sends the request again to the listener, with its headers, query and body', () => {
    const request = hookRequestOf(received)!;
    expect(curlCommand(request, 'http://127.0.0.1:8787')).toBe(
      "curl -i -X 'POST' 'http://127.0.0.1:8787/hook/pets?dry=true&tag=a&tag=b'" +
        " -H 'authorization: ••••••' -H 'content-type: application/json' -H 'x-request-id: it'\\''s-1'" +
        ` --data-binary '{"petname":"Gromit","petstatus":"Sold"}'`,
    );
  });

  it('sends a form body back as a form, and a GET without a body as a plain GET', () => {
    const form = hookRequestOf({
      ...received,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      query: {},
      body: { name: 'Gromit & Wallace' },
    })!;
    expect(curlCommand(form, 'http://localhost:9000/')).toBe(
      "curl -i -X 'POST' 'http://localhost:9000/hook/pets' -H 'content-type: application/x-www-form-urlencoded' --data-binary 'name=Gromit+%26+Wallace'",
    );
    const get = hookRequestOf({ method: 'GET', path: '/hook/pets', headers: {}, query: {}, body: null })!;
    expect(curlCommand(get, 'http://localhost:9000')).toBe("curl -i 'http://localhost:9000/hook/pets'");
  });

  it('offers it only for a trigger output shaped like a request', () => {
    expect(hookRequestOf({ params: { who: 'Ada' } }), 'a manual run').toBeNull();
    expect(hookRequestOf({ ...received, path: 'hook/pets' }), 'a path the listener never records').toBeNull();
    expect(hookRequestOf({ method: 'POST', path: '/hook/x', headers: {}, query: {} }), 'no body field').toBeNull();
  });

  it('calls a listener bound to every interface on the loopback one', () => {
    const listener = { address: '0.0.0.0:8787', running: true, error: null, restartNeeded: false };
    expect(listenerBase({ listenAddress: '0.0.0.0:8787', listener })).toBe('http://127.0.0.1:8787');
    expect(
      listenerBase({ listenAddress: '127.0.0.1:9999', listener: { ...listener, running: false } }),
      'a listener that is down: where it is set to listen',
    ).toBe('http://127.0.0.1:9999');
  });
});
