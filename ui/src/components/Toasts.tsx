import { useToasts } from '../lib/toast';
import { CircleCheck, CircleX, Info, X } from '../lib/uiIcons';

const ICONS = { success: CircleCheck, error: CircleX, info: Info };

export function Toasts() {
  const toasts = useToasts((s) => s.toasts);
  const dismiss = useToasts((s) => s.dismiss);
  return (
    <div className="toasts" role="region" aria-label="Notifications">
      <div aria-live="polite" aria-relevant="additions">
        {toasts.map((t) => {
          const Icon = ICONS[t.kind];
          return (
            <div
              key={t.id}
              className={`toast toast-${t.kind}`}
              role={t.kind === 'error' ? 'alert' : 'status'}
              data-testid={`toast-${t.kind}`}
            >
              <Icon size={16} aria-hidden="true" className="toast-icon" />
              <div className="toast-text">
                <div>{t.message}</div>
                {t.detail && <div className="toast-detail">{t.detail}</div>}
              </div>
              {t.action && (
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => {
                    t.action!.run();
                    dismiss(t.id);
                  }}
                >
                  {t.action.label}
                </button>
              )}
              <button
                type="button"
                className="icon-btn"
                aria-label="Dismiss notification"
                onClick={() => dismiss(t.id)}
              >
                <X size={14} aria-hidden="true" />
              </button>
            </div>
          );
        })}
      </div>
    </div>
  );
}
