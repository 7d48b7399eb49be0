import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import { open } from '@tauri-apps/plugin-shell';

import { copyTextToClipboard } from './clipboard';
import { toApiError, type CoreEvent, type Platform } from './types';

/** The desktop shell: one `call` command over IPC and a `core-event` stream. */
export function createTauriPlatform(): Platform {
  return {
    kind: 'tauri',
    async call<T>(op: string, args?: Record<string, unknown>): Promise<T> {
      try {
        return await invoke<T>('call', { request: { op, args: args ?? {} } });
      } catch (error) {
        throw toApiError(error);
      }
    },
    subscribe(onEvent, onResync) {
      let stopped = false;
      const stops: (() => void)[] = [];
      const keep = (stop: () => void) => {
        if (stopped) stop();
        else stops.push(stop);
      };
      listen<CoreEvent>('core-event', (event) => onEvent(event.payload))
        .then(keep)
        .catch((error: unknown) => console.warn('core events unavailable', error));
      // The shell's bridge fell behind and dropped events: read everything again.
      listen('core-resync', () => onResync?.())
        .then(keep)
        .catch(() => undefined);
      return () => {
        stopped = true;
        stops.splice(0).forEach((stop) => stop());
      };
    },
    async openUrl(url) {
      if (!/^https?:\/\//i.test(url)) throw { code: 'invalid_input', message: `Only http(s) links open: ${url}` };
      try {
        await open(url);
      } catch (error) {
        throw toApiError(error);
      }
    },
    async saveTextFile(fileName, text) {
      try {
        return await invoke<string>('save_text_file', { fileName, text });
      } catch (error) {
        throw toApiError(error);
      }
    },
    copyText: copyTextToClipboard,
  };
}
