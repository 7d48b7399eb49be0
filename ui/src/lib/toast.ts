import { create } from 'zustand';

import { toApiError } from '../platform/types';

export type ToastKind = 'success' | 'error' | 'info';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
  detail?: string;
  action?: { label: string; run: () => void };
}

interface ToastState {
  toasts: Toast[];
  push(toast: Omit<Toast, 'id'>): number;
  dismiss(id: number): void;
}

let nextId = 1;
const timers = new Map<number, ReturnType<typeof setTimeout>>();

export const useToasts = create<ToastState>()((set, get) => ({
  toasts: [],
  push(toast) {
    const id = nextId++;
    set((s) => ({ toasts: [...s.toasts.slice(-2), { ...toast, id }] }));
    const ms = toast.kind === 'error' ? 9000 : 5000;
    timers.set(
      id,
      setTimeout(() => get().dismiss(id), ms),
    );
    return id;
  },
  dismiss(id) {
    clearTimeout(timers.get(id));
    timers.delete(id);
    set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
  },
}));

export const toast = {
  success: (message: string, extra: Partial<Omit<Toast, 'id' | 'kind' | 'message'>> = {}) =>
    useToasts.getState().push({ kind: 'success', message, ...extra }),
  info: (message: string, extra: Partial<Omit<Toast, 'id' | 'kind' | 'message'>> = {}) =>
    useToasts.getState().push({ kind: 'info', message, ...extra }),
  /** Shows an ApiError's message (or any thrown value's). */
  error: (error: unknown, prefix?: string) => {
    const message = toApiError(error).message;
    return useToasts.getState().push({ kind: 'error', message: prefix ? `${prefix}: ${message}` : message });
  },
  /** Something went wrong that the user can go and look at (a failed run): a message with a way there. */
  failure: (message: string, extra: Partial<Omit<Toast, 'id' | 'kind' | 'message'>> = {}) =>
    useToasts.getState().push({ kind: 'error', message, ...extra }),
};
