import { createHttpPlatform, takeToken } from './http';
import { createTauriPlatform } from './tauri';
import type { Platform } from './types';

export type PlatformKind = Platform['kind'];

/**
 * Which host the page runs in: the desktop shell injects
 * `__TAURI_INTERNALS__`; anything else is a browser served by
 * `hookline serve --ui` (or the dev server proxying to it).
 */
export function detectPlatform(win: object): PlatformKind {
  return '__TAURI_INTERNALS__' in win ? 'tauri' : 'browser';
}

export interface PlatformHooks {
  /** The browser's token was refused or is missing. */
  onUnauthorized?: () => void;
}

export async function createPlatform(hooks: PlatformHooks = {}): Promise<Platform> {
  if (detectPlatform(window) === 'tauri') return createTauriPlatform();
  return createHttpPlatform({ token: takeToken(window), onUnauthorized: hooks.onUnauthorized });
}

export type { Platform, CoreEvent, ApiError } from './types';
export { isApiError, toApiError } from './types';
