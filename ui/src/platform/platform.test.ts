import { afterEach, describe, expect, it, vi } from 'vitest';

import { createHttpPlatform, takeToken } from './http';
import { detectPlatform } from './index';

describe('platform selection', () => {
  it('picks the desktop shell when Tauri injected its internals', () => {
    expect(detectPlatform({ __TAURI_INTERNALS__: {} })).toBe('tauri');
  });

  it('picks the browser mode otherwise', () => {
    expect(detectPlatform({})).toBe('browser');
  });
});

describe('browser mode', () => {
  afterEach(() => {
    sessionStorage.clear();
    window.history.replaceState(null, '', '/');
  });

  it('takes the token from the URL, keeps it for the session and removes it from the address bar', () => {
    window.history.replaceState(null, '', '/?token=s3cret#/flows/flw_a');
    expect(takeToken(window)).toBe('s3cret');
    expect(window.location.search).toBe('');
    expect(window.location.hash).toBe('#/flows/flw_a');
    expect(sessionStorage.getItem('hookline.token')).toBe('s3cret');
    expect(takeToken(window)).toBe('s3cret');
  });

  it('posts operations with the bearer token and returns the JSON body', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify([{ id: 'flw_a' }]), { status: 200 }));
    const platform = createHttpPlatform({ token: 'tok', fetch: fetch as unknown as typeof globalThis.fetch });
    const result = await platform.call<{ id: string }[]>('listFlows');
    expect(result).toEqual([{ id: 'flw_a' }]);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/listFlows');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer tok');
    expect(init.body).toBe('{}');
  });

  it('rejects with the ApiError body and reports a 401', async () => {
    const onUnauthorized = vi.fn();
    const fetch = vi.fn(async (url: string) =>
      url.endsWith('publish')
        ? new Response(
            JSON.stringify({ code: 'invalid_flow', message: 'bad', problems: [{ path: 'steps', message: 'x' }] }),
            { status: 422 },
          )
        : new Response(JSON.stringify({ code: 'internal', message: 'unauthorized' }), { status: 401 }),
    );
    const platform = createHttpPlatform({
      token: 'tok',
      fetch: fetch as unknown as typeof globalThis.fetch,
      onUnauthorized,
    });
    await expect(platform.call('publish', { flow: 'x' })).rejects.toEqual({
      code: 'invalid_flow',
      message: 'bad',
      problems: [{ path: 'steps', message: 'x' }],
    });
    expect(onUnauthorized).not.toHaveBeenCalled();
    await expect(platform.call('listFlows')).rejects.toMatchObject({ code: 'internal' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('forwards server-sent events and resyncs after an interruption', () => {
    const sources: FakeSource[] = [];
    class FakeSource {
      url: string;
      onmessage: ((m: MessageEvent<string>) => void) | null = null;
      onerror: (() => void) | null = null;
      onopen: (() => void) | null = null;
      closed = false;
      constructor(url: string) {
        this.url = url;
        sources.push(this);
      }
      close() {
        this.closed = true;
      }
    }
    const platform = createHttpPlatform({ token: 'a b', EventSource: FakeSource as unknown as typeof EventSource });
    const events: unknown[] = [];
    const resync = vi.fn();
    const stop = platform.subscribe((e) => events.push(e), resync);
    const source = sources[0]!;
    expect(source.url).toBe('/api/events?token=a%20b');
    source.onmessage!({ data: '{"type":"flowChanged","flowId":"flw_a"}' } as MessageEvent<string>);
    expect(events).toEqual([{ type: 'flowChanged', flowId: 'flw_a' }]);
    source.onopen!();
    expect(resync).not.toHaveBeenCalled();
    source.onerror!();
    source.onopen!();
    expect(resync).toHaveBeenCalledTimes(1);
    stop();
    expect(source.closed).toBe(true);
  });
});
