import type { ApiError } from '../bindings/ApiError';
import type { CoreEvent } from '../bindings/CoreEvent';

/**
 * Everything the UI needs from its host: the desktop shell (Tauri) or a
 * browser talking to `hookline serve --ui`. Only this folder knows which one
 * is running; unit tests stub it per test (src/test/stubPlatform.ts).
 */
export interface Platform {
  kind: 'tauri' | 'browser';
  /** Runs one core operation; rejects with an {@link ApiError}. */
  call<T>(op: string, args?: Record<string, unknown>): Promise<T>;
  /**
   * Core events as they happen. `onResync` is called when the stream was
   * interrupted and events may have been missed, so everything is read again.
   * Returns the unsubscribe function.
   */
  subscribe(onEvent: (e: CoreEvent) => void, onResync?: () => void): () => void;
  /** Opens an http(s) URL in the user's browser. */
  openUrl(url: string): Promise<void>;
  /**
   * Saves a text file for the user: the absolute path written (desktop) or
   * `null` when the browser downloaded it.
   */
  saveTextFile(fileName: string, text: string): Promise<string | null>;
  copyText(text: string): Promise<void>;
}

export type { ApiError, CoreEvent };

/** Whether `value` looks like an {@link ApiError} (an object with code and message). */
export function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

/** Any rejection turned into an {@link ApiError}, so callers show one kind of error. */
export function toApiError(error: unknown): ApiError {
  if (isApiError(error)) return error;
  if (error instanceof Error) return { code: 'internal', message: error.message };
  if (typeof error === 'string') return { code: 'internal', message: error };
  return { code: 'internal', message: 'Something went wrong' };
}
