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
    subscribe(onEvent) {
      let stopped = false;
      let unlisten: (() => void) | undefined;
      listen<CoreEvent>('core-event', (event) => onEvent(event.payload))
        .then((stop) => {
          if (stopped) stop();
          else unlisten = stop;
        })
        .catch((error: unknown) => console.warn('core events unavailable', error));
      return () => {
        stopped = true;
        unlisten?.();
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
