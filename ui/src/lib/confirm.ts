import { create } from 'zustand';

export interface ConfirmRequest {
  title: string;
  message: string;
  confirmLabel: string;
  cancelLabel?: string;
  danger?: boolean;
}

interface ConfirmState {
  request: (ConfirmRequest & { resolve: (ok: boolean) => void }) | null;
  ask(request: ConfirmRequest): Promise<boolean>;
  answer(ok: boolean): void;
}

/** One confirmation dialog at a time, answered through a promise. */
export const useConfirm = create<ConfirmState>()((set, get) => ({
  request: null,
  ask(request) {
    get().request?.resolve(false);
    return new Promise<boolean>((resolve) => set({ request: { ...request, resolve } }));
  },
  answer(ok) {
    const request = get().request;
    set({ request: null });
    request?.resolve(ok);
  },
}));

export const confirmAction = (request: ConfirmRequest) => useConfirm.getState().ask(request);
