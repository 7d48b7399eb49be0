import { copyTextToClipboard, downloadText } from './clipboard';
import { isApiError, type ApiError, type CoreEvent, type Platform } from './types';

const TOKEN_KEY = 'hookline.token';

/**
 * Takes the access token from the page URL (`?token=…`, as printed by
 * `hookline serve --ui`), keeps it for the tab's session and removes it from
 * the address bar, so it is not left in history or screenshots. Without one
 * in the URL, the token kept earlier in this tab is used.
 */
export function takeToken(win: Window = window): string | null {
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // storage refused: the token still works for this page
    }
    url.searchParams.delete('token');
    win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return win.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export interface HttpPlatformOptions {
  token: string | null;
  /** Called on a 401: the token is missing or wrong. */
  onUnauthorized?: () => void;
  /** Prefix of the API routes; the page's own origin by default. */
  base?: string;
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
}

/** Browser mode: `/api/<op>` over HTTP and `/api/events` as server-sent events. */
export function createHttpPlatform(options: HttpPlatformOptions): Platform {
  const base = options.base ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const token = options.token;

  return {
    kind: 'browser',
    async call<T>(op: string, args?: Record<string, unknown>): Promise<T> {
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (token) headers.Authorization = `Bearer ${token}`;
      let response: Response;
      try {
        response = await doFetch(`${base}/api/${op}`, {
          method: 'POST',
          headers,
          body: JSON.stringify(args ?? {}),
        });
      } catch {
        throw {
          code: 'internal',
          message: 'Cannot reach Hookline: is `hookline serve --ui` still running?',
        } satisfies ApiError;
      }
      const text = await response.text();
      let body: unknown = null;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
      }
      if (response.ok) {
        if (body === undefined)
          throw { code: 'internal', message: `${op}: the answer was not JSON` } satisfies ApiError;
        return body as T;
      }
      if (response.status === 401) options.onUnauthorized?.();
      if (isApiError(body)) throw body;
      throw {
        code: 'internal',
        message:
          response.status === 401
            ? 'Not authorized: open the URL that `hookline serve --ui` printed'
            : `${op} failed (HTTP ${response.status})`,
      } satisfies ApiError;
    },
    subscribe(onEvent, onResync) {
      const Source = options.EventSource ?? (typeof EventSource === 'undefined' ? undefined : EventSource);
      if (!Source) return () => {};
      const url = `${base}/api/events${token ? `?token=${encodeURIComponent(token)}` : ''}`;
      const source = new Source(url);
      let interrupted = false;
      source.onmessage = (message: MessageEvent<string>) => {
        try {
          onEvent(JSON.parse(message.data) as CoreEvent);
        } catch {
          // a malformed event is only a missed hint
        }
      };
      source.onerror = () => {
        interrupted = true;
      };
      source.onopen = () => {
        if (interrupted) {
          interrupted = false;
          onResync?.();
        }
      };
      return () => source.close();
    },
    async openUrl(url) {
      window.open(url, '_blank', 'noopener');
    },
    async saveTextFile(fileName, text) {
      downloadText(fileName, text);
      return null;
    },
    copyText: copyTextToClipboard,
  };
}
