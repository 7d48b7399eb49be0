import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';

import type { Verification } from '../../bindings/Verification';
import { useApi } from '../../lib/apiContext';
import { keys } from '../../lib/queries';
import { CircleCheck, CircleX } from '../../lib/uiIcons';
import { toApiError } from '../../platform/types';

/** The core answers a check within 30 s; the page waits a little longer for the answer to travel. */
export const VERIFY_LIMIT_S = 30;
const GIVE_UP_MS = (VERIFY_LIMIT_S + 5) * 1000;

type State =
  | { phase: 'idle' }
  | { phase: 'running'; startedAt: number }
  | { phase: 'done'; verification: Verification }
  | { phase: 'stopped'; message: string };

/**
 * Verify for one credential: a spinner with the seconds waited and a Cancel
 * while the core checks it against the real service, then the result and
 * its reason. Nothing is shown of the credential itself.
 */
export function VerifyControl({ name, label = 'Verify' }: { name: string; label?: string }) {
  const api = useApi();
  const client = useQueryClient();
  const [state, setState] = useState<State>({ phase: 'idle' });
  const [now, setNow] = useState(() => Date.now());
  // Which check is current: a cancelled or replaced one must not overwrite what came after.
  const attempt = useRef(0);

  useEffect(() => {
    if (state.phase !== 'running') return;
    const tick = window.setInterval(() => setNow(Date.now()), 500);
    const giveUp = window.setTimeout(() => {
      attempt.current += 1;
      running.current = false;
      void api.cancelVerification(name).catch(() => undefined);
      setState({ phase: 'stopped', message: `No answer within ${VERIFY_LIMIT_S} s: gave up.` });
    }, GIVE_UP_MS);
    return () => {
      window.clearInterval(tick);
      window.clearTimeout(giveUp);
    };
  }, [state.phase, api, name]);

  // Leaving the page while a check runs stops it rather than leaving the core waiting for no one.
  const running = useRef(false);
  useEffect(
    () => () => {
      if (running.current) void api.cancelVerification(name).catch(() => undefined);
    },
    [api, name],
  );

  const start = async () => {
    const mine = ++attempt.current;
    const startedAt = Date.now();
    setNow(startedAt);
    setState({ phase: 'running', startedAt });
    running.current = true;
    try {
      const verification = await api.verifyCredential(name);
      if (attempt.current !== mine) return;
      setState({ phase: 'done', verification });
    } catch (error) {
      if (attempt.current !== mine) return;
      const problem = toApiError(error);
      setState({ phase: 'stopped', message: problem.code === 'cancelled' ? 'Cancelled.' : problem.message });
    } finally {
      if (attempt.current === mine) running.current = false;
      // The last verification shows in every list, also where events do not reach.
      void client.invalidateQueries({ queryKey: keys.credentials });
    }
  };

  const cancel = () => {
    attempt.current += 1;
    running.current = false;
    setState({ phase: 'stopped', message: 'Cancelled.' });
    void api.cancelVerification(name).catch(() => undefined);
  };

  return (
    <div className="verify-control" data-testid="verify-control">
      {state.phase === 'running' ? (
        <span className="verify-running" role="status">
          <span className="spinner" aria-hidden="true" /> Verifying… {Math.floor((now - state.startedAt) / 1000)} s{' '}
          <span className="muted">(at most {VERIFY_LIMIT_S} s)</span>
          <button type="button" className="btn btn-small" onClick={cancel}>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" className="btn btn-small" onClick={() => void start()} aria-label={`${label} ${name}`}>
          {label}
        </button>
      )}
      {state.phase === 'done' && (
        <p
          className={state.verification.ok ? 'field-ok' : 'field-error'}
          role="status"
          data-testid="verify-result"
          data-ok={state.verification.ok}
        >
          {state.verification.ok ? (
            <CircleCheck size={13} aria-hidden="true" />
          ) : (
            <CircleX size={13} aria-hidden="true" />
          )}{' '}
          {state.verification.ok ? 'Verified' : 'Failed'}: {state.verification.message}
        </p>
      )}
      {state.phase === 'stopped' && (
        <p className="field-error" role="status" data-testid="verify-result" data-ok="false">
          {state.message}
        </p>
      )}
    </div>
  );
}
