import { useRef } from 'react';

import { useConfirm } from '../lib/confirm';
import { Dialog } from './Dialog';

/** Renders the pending confirmation, if any (see lib/confirm). */
export function ConfirmHost() {
  const request = useConfirm((s) => s.request);
  const answer = useConfirm((s) => s.answer);
  const cancelRef = useRef<HTMLButtonElement>(null);
  if (!request) return null;
  return (
    <Dialog
      title={request.title}
      role="alertdialog"
      onClose={() => answer(false)}
      initialFocus={cancelRef}
      testId="confirm-dialog"
      footer={
        <>
          <button type="button" ref={cancelRef} className="btn" onClick={() => answer(false)}>
            {request.cancelLabel ?? 'Cancel'}
          </button>
          <button
            type="button"
            className={`btn ${request.danger ? 'btn-danger' : 'btn-primary'}`}
            onClick={() => answer(true)}
          >
            {request.confirmLabel}
          </button>
        </>
      }
    >
      <p className="confirm-message">{request.message}</p>
    </Dialog>
  );
}
