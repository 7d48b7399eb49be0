/**
 * "Copy as curl" for an execution a webhook started: its trigger output is
 * the request as received (`{method, path, headers, query, body}`), so the
 * same request can be sent again to the listener from a terminal. Secret
 * headers and fields reach the UI already masked by the core; they stay
 * masked here, and the command says so by carrying the mask.
 */
import type { Settings } from '../bindings/Settings';
import { shellQuote } from './hookRoutes';

export interface HookRequestInput {
  method: string;
  path: string;
  headers: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The trigger output when it is a hook request, else null. */
export function hookRequestOf(input: unknown): HookRequestInput | null {
  if (!isObject(input)) return null;
  const { method, path, headers, query } = input;
  if (typeof method !== 'string' || typeof path !== 'string' || !path.startsWith('/')) return null;
  if (!isObject(headers) || !isObject(query) || !('body' in input)) return null;
  return { method, path, headers, query, body: input.body };
}

/**
 * Headers curl writes itself or that describe the connection that carried
 * the original request, not the request: sending them again would be wrong
 * (a stale Content-Length) or pointless.
 */
const NOT_RESENT = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'accept-encoding',
  'expect',
  'upgrade',
  'te',
]);

/**
 * The listener's base URL from the settings: where it listens now, else where
 * it is set to listen. An address that binds every interface is called on
 * the loopback one.
 */
export function listenerBase(settings: Pick<Settings, 'listenAddress' | 'listener'>): string {
  const address = (settings.listener.running && settings.listener.address) || settings.listenAddress;
  const local = address.replace(/^0\.0\.0\.0(?=:|$)/, '127.0.0.1').replace(/^\[::\](?=:|$)/, '[::1]');
  return `http://${local}`;
}

function queryString(query: Record<string, unknown>): string {
  const out = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (item === undefined || item === null) continue;
      out.append(name, typeof item === 'string' ? item : JSON.stringify(item));
    }
  }
  return out.toString();
}

/** The body as it went over the wire, or null when the request had none. */
function bodyText(request: HookRequestInput): string | null {
  const { body } = request;
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body;
  const type = Object.entries(request.headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
  // A form body reaches the flow as an object of its fields; it goes back as a form.
  if (typeof type === 'string' && type.toLowerCase().startsWith('application/x-www-form-urlencoded') && isObject(body))
    return queryString(body);
  return JSON.stringify(body);
}

/** A curl command sending `request` to the listener at `base`; every word is quoted for a POSIX shell. */
export function curlCommand(request: HookRequestInput, base: string): string {
  const query = queryString(request.query);
  const url = `${base.replace(/\/+$/, '')}${request.path}${query ? `?${query}` : ''}`;
  const body = bodyText(request);
  const words = ['curl', '-i'];
  if (request.method !== 'GET' || body !== null) words.push('-X', shellQuote(request.method));
  words.push(shellQuote(url));
  const headers = Object.entries(request.headers)
    .filter(([name, value]) => typeof value === 'string' && !NOT_RESENT.has(name.toLowerCase()))
    .sort(([a], [b]) => a.localeCompare(b));
  for (const [name, value] of headers) words.push('-H', shellQuote(`${name}: ${value as string}`));
  if (body !== null) words.push('--data-binary', shellQuote(body));
  return words.join(' ');
}
