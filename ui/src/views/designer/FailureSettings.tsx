/**
 * What an action does when it fails: its retry policy (how many attempts,
 * how long to wait, which failures are tried again) and whether the flow goes
 * on with the failure as the step's output. Both are fields of the step in the
 * flow document (`retry`, `continueOnError`).
 */
import type { RetryOn } from '../../bindings/RetryOn';
import type { RetryPolicy } from '../../bindings/RetryPolicy';
import type { Step } from '../../bindings/Step';
import { domId } from './formParts';

/** The policy a step gets when retries are switched on, as the engine defaults it. */
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 3,
  backoffMs: 1000,
  maxBackoffMs: 30000,
  on: ['5xx', '429', 'connection', 'timeout'],
};

const KINDS: { kind: RetryOn; label: string; hint: string }[] = [
  { kind: '5xx', label: 'Server errors (5xx)', hint: 'The service answered 500–599' },
  { kind: '429', label: 'Too many requests (429)', hint: 'Waits as long as its Retry-After asks' },
  { kind: 'connection', label: 'Connection failures', hint: 'Refused or broken connections' },
  { kind: 'timeout', label: 'Timeouts', hint: 'No answer in time' },
  { kind: '4xx', label: 'Other client errors (4xx)', hint: 'Usually the same request is refused again' },
];

/** The policy's number fields, as the form shows them. */
const NUMBERS: { field: 'maxAttempts' | 'backoffMs' | 'maxBackoffMs'; label: string; min: number; max?: number }[] = [
  { field: 'maxAttempts', label: 'Attempts in all', min: 1, max: 10 },
  { field: 'backoffMs', label: 'First wait (ms)', min: 0 },
  { field: 'maxBackoffMs', label: 'Longest wait (ms)', min: 0 },
];

type Change = (change: (s: Step) => Step, key?: string) => void;

export function FailureSettings({ step, onUpdate }: { step: Step; onUpdate: Change }) {
  const id = (part: string) => domId('failure', part, step.id);
  const retry = step.retry ?? null;
  const setRetry = (next: RetryPolicy | null, key: string) =>
    onUpdate(({ retry: _old, ...rest }) => (next ? { ...rest, retry: next } : rest), `retry:${key}`);
  const number = (field: (typeof NUMBERS)[number]['field'], text: string) => {
    if (!retry) return;
    const value = Number(text);
    if (text.trim() === '' || !Number.isFinite(value)) return;
    setRetry({ ...retry, [field]: Math.max(0, Math.round(value)) }, field);
  };
  const toggleKind = (kind: RetryOn, on: boolean) => {
    if (!retry) return;
    const kinds = on ? [...retry.on, kind] : retry.on.filter((k) => k !== kind);
    setRetry({ ...retry, on: KINDS.map((k) => k.kind).filter((k) => kinds.includes(k)) }, 'on');
  };

  return (
    <section className="panel-section failure-settings" aria-labelledby={id('title')}>
      <h3 id={id('title')}>When it fails</h3>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={retry !== null}
          onChange={(e) => setRetry(e.target.checked ? DEFAULT_RETRY : null, 'enabled')}
        />{' '}
        Retry
      </label>
      {retry && (
        <div className="retry-fields">
          {NUMBERS.map(({ field, label, min, max }) => (
            <div key={field} className="form-field">
              <label className="field-label" htmlFor={id(field)}>
                {label}
              </label>
              <input
                id={id(field)}
                type="number"
                min={min}
                max={max}
                value={retry[field]}
                onChange={(e) => number(field, e.target.value)}
              />
            </div>
          ))}
          <p className="field-hint">
            Each wait doubles, with some randomness, up to the longest; a service&apos;s Retry-After wins when it asks
            for longer.
          </p>
          <fieldset className="retry-kinds">
            <legend>Try again on</legend>
            {KINDS.map(({ kind, label, hint }) => (
              <label key={kind} className="checkbox small" title={hint}>
                <input
                  type="checkbox"
                  checked={retry.on.includes(kind)}
                  onChange={(e) => toggleKind(kind, e.target.checked)}
                />{' '}
                {label}
              </label>
            ))}
          </fieldset>
        </div>
      )}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={step.continueOnError === true}
          onChange={(e) =>
            onUpdate(
              ({ continueOnError: _old, ...rest }) => (e.target.checked ? { ...rest, continueOnError: true } : rest),
              'continueOnError',
            )
          }
        />{' '}
        Continue the flow
      </label>
      <p className="field-hint">
        Later steps read the failure as <code>$steps.{step.id}.error</code> (its <code>message</code> and{' '}
        <code>output</code>).
      </p>
    </section>
  );
}
