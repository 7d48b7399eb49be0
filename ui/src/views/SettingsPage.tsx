import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';

import type { Settings } from '../bindings/Settings';
import { RouteLink } from '../components/RouteLink';
import { useApi } from '../lib/apiContext';
import { keys, useCredentials, useSettings } from '../lib/queries';
import { toast } from '../lib/toast';
import { toApiError } from '../platform/types';
import { StorageSection } from './StorageSection';

export function SettingsPage() {
  const api = useApi();
  const client = useQueryClient();
  const settings = useSettings();
  const [address, setAddress] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const current = settings.data?.listenAddress;
  useEffect(() => {
    if (current) setAddress(current);
  }, [current]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const next = await api.setListenAddress(address.trim());
      client.setQueryData(keys.settings, next);
      void client.invalidateQueries({ queryKey: keys.hooksAll });
      if (next.listener.restartNeeded) toast.info(`Saved: ${next.listenAddress} takes effect at the next start`);
      else if (next.listener.running) toast.success(`Listening on ${next.listener.address ?? next.listenAddress}`);
      else toast.error(next.listener.error ?? `The listener is not running on ${next.listenAddress}`);
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };

  const s = settings.data;
  return (
    <section className="page" aria-labelledby="settings-title">
      <header className="page-header">
        <h1 id="settings-title">Settings</h1>
      </header>
      {settings.isPending ? (
        <p className="muted pad">Loading…</p>
      ) : settings.isError || !s ? (
        <p className="field-error pad">Could not read the settings: {toApiError(settings.error).message}</p>
      ) : (
        <div className="settings">
          <section className="card" aria-labelledby="listener-title">
            <h2 id="listener-title">Webhook listener</h2>
            <p className="muted">
              Hooks of started flows answer on this address. Use 127.0.0.1 to accept calls from this machine only.
            </p>
            <div
              className={`listener-state ${s.listener.running ? 'ok' : 'down'}`}
              data-testid="listener-state"
              role="status"
            >
              <span className={`state-dot ${s.listener.running ? 'ok' : 'down'}`} aria-hidden="true" />
              {s.listener.running ? (
                <span>
                  Running on <code>{s.listener.address ?? s.listenAddress}</code>
                </span>
              ) : (
                <span>
                  Not running on <code>{s.listener.address ?? s.listenAddress}</code>
                  {s.listener.error ? `: ${s.listener.error}` : ''}. Another program may use this port: choose another
                  address below.
                </span>
              )}
            </div>
            {s.listener.restartNeeded && (
              <p className="notice" data-testid="restart-needed">
                The new address <code>{s.listenAddress}</code> is saved and takes effect the next time Hookline starts.
              </p>
            )}
            <form className="inline-form" onSubmit={(e) => void submit(e)}>
              <label className="field-label" htmlFor="listen-address">
                Listen address
              </label>
              <div className="row">
                <input
                  id="listen-address"
                  className="input mono"
                  value={address}
                  placeholder="127.0.0.1:8787"
                  aria-invalid={error ? true : undefined}
                  aria-describedby="listen-address-hint"
                  onChange={(e) => {
                    setAddress(e.target.value);
                    setError(null);
                  }}
                />
                <button
                  type="submit"
                  className="btn btn-primary"
                  disabled={busy || !address.trim() || (address.trim() === s.listenAddress && s.listener.running)}
                >
                  Apply
                </button>
              </div>
              <p className="field-hint" id="listen-address-hint">
                host:port, for example 127.0.0.1:8787 or 127.0.0.1:9000. An address other than 127.0.0.1 lets other
                machines call your hooks.
              </p>
              {error && (
                <p className="field-error" role="alert">
                  {error}
                </p>
              )}
            </form>
          </section>
          <AllowedHosts saved={s.allowedHosts} />
          <EventsCredential saved={s.eventsCredential} />
          <AllowedFolders saved={s.allowedFolders} />
          <AllowedCommands saved={s.allowedCommands} />
          <StorageSection />
          <section className="card" aria-labelledby="data-title">
            <h2 id="data-title">Data</h2>
            <p className="muted">Flows, versions, the run log and the vault live in this folder.</p>
            <code className="url" data-testid="data-dir">
              {s.dataDir}
            </code>
          </section>
        </div>
      )}
    </section>
  );
}

/** A setting that is a list, edited one item per line. */
interface ListSettingProps {
  id: string;
  title: string;
  intro: ReactNode;
  label: string;
  placeholder: string;
  button: string;
  saved: string[];
  /** Splits the text into the items: hosts by any space or comma, paths by line (a path may hold spaces). */
  separator: RegExp;
  /** Saves the list and answers the settings the core kept. */
  save: (items: string[]) => Promise<Settings>;
  /** What the toast says once saved. */
  savedMessage: (settings: Settings) => string;
}

/**
 * One list setting: the core checks every item and refuses the whole list,
 * naming the item, when one does not do; the refusal stays under the field.
 */
function ListSetting(props: ListSettingProps) {
  const client = useQueryClient();
  const savedText = props.saved.join('\n');
  const [text, setText] = useState(savedText);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setText(savedText), [savedText]);
  const items = text
    .split(props.separator)
    .map((item) => item.trim())
    .filter((item) => item !== '');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const next = await props.save(items);
      client.setQueryData(keys.settings, next);
      toast.success(props.savedMessage(next));
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby={`${props.id}-title`}>
      <h2 id={`${props.id}-title`}>{props.title}</h2>
      <p className="muted">{props.intro}</p>
      <form className="inline-form" onSubmit={(e) => void submit(e)}>
        <label className="field-label" htmlFor={props.id}>
          {props.label}
        </label>
        <textarea
          id={props.id}
          className="input mono"
          rows={3}
          value={text}
          placeholder={props.placeholder}
          aria-invalid={error ? true : undefined}
          onChange={(e) => {
            setText(e.target.value);
            setError(null);
          }}
        />
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={busy || items.join('\n') === savedText}>
            {props.button}
          </button>
        </div>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * Host names a request may name besides addresses and localhost: a tunnel's
 * public name. Any other `Host` is refused, which keeps web pages from
 * reaching the listener through DNS rebinding.
 */
function AllowedHosts({ saved }: { saved: string[] }) {
  const api = useApi();
  return (
    <ListSetting
      id="allowed-hosts"
      title="Allowed hosts"
      intro={
        <>
          Requests must name this machine&apos;s address or <code>localhost</code>. When a tunnel forwards a public name
          to your hooks, list that name here; any other host is refused, so web pages cannot reach the listener.
        </>
      }
      label="Host names, one per line"
      placeholder="abc.trycloudflare.com"
      button="Save hosts"
      saved={saved}
      separator={/[\s,]+/}
      save={(hosts) => api.setAllowedHosts(hosts)}
      savedMessage={(next) =>
        next.allowedHosts.length ? `Allowed: ${next.allowedHosts.join(', ')}` : 'No extra hosts allowed'
      }
    />
  );
}

/** The folders Write File may write in: absolute paths, one per line. */
function AllowedFolders({ saved }: { saved: string[] }) {
  const api = useApi();
  return (
    <ListSetting
      id="allowed-folders"
      title="Allowed folders"
      intro="Write File steps write only inside these folders: a path is resolved first, so a link or ../ that leads outside is refused. None are allowed until you list some."
      label="Folders, one absolute path per line"
      placeholder="/home/me/hookline-out"
      button="Save folders"
      saved={saved}
      separator={/\n/}
      save={(folders) => api.setAllowedFolders(folders)}
      savedMessage={(next) =>
        next.allowedFolders.length
          ? `Write File may write in ${plural(next.allowedFolders.length, 'folder')}`
          : 'No folder allowed'
      }
    />
  );
}

/** The programs Run Command may run: absolute paths, one per line. */
function AllowedCommands({ saved }: { saved: string[] }) {
  const api = useApi();
  return (
    <ListSetting
      id="allowed-commands"
      title="Allowed commands"
      intro="Run Command steps run only these programs, without a shell and without Hookline’s environment. Name each by its absolute path; a program that is not executable is refused."
      label="Programs, one absolute path per line"
      placeholder="/usr/bin/jq"
      button="Save commands"
      saved={saved}
      separator={/\n/}
      save={(programs) => api.setAllowedCommands(programs)}
      savedMessage={(next) =>
        next.allowedCommands.length
          ? `Run Command may run ${plural(next.allowedCommands.length, 'program')}`
          : 'No command allowed'
      }
    />
  );
}

/**
 * The vault credential a caller of `POST /events/{name}` must present, as a
 * webhook's caller presents its hook's. Without one, anything that can reach
 * the listener may start the flows listening to an event.
 */
function EventsCredential({ saved }: { saved: string | null }) {
  const api = useApi();
  const client = useQueryClient();
  const credentials = useCredentials();
  const [choice, setChoice] = useState(saved ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setChoice(saved ?? ''), [saved]);
  const listed = credentials.data ?? [];
  // A name saved before its credential was removed from the vault stays visible, so it can be cleared.
  const missing = saved !== null && credentials.isSuccess && !listed.some((c) => c.name === saved);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const next = await api.setEventsCredential(choice || null);
      client.setQueryData(keys.settings, next);
      toast.success(
        next.eventsCredential
          ? `POST /events now requires ${next.eventsCredential}`
          : 'POST /events accepts callers without a credential',
      );
    } catch (e) {
      setError(toApiError(e).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="events-title">
      <h2 id="events-title">Events credential</h2>
      <p className="muted">
        <code>POST /events/&#123;name&#125;</code> on the listener starts every started flow with a Custom event trigger
        of that name. Choose a credential from the vault to require it from callers, the way a webhook checks its own;
        with none, any program that can reach the listener may emit events.
      </p>
      <form className="inline-form" onSubmit={(e) => void submit(e)}>
        <label className="field-label" htmlFor="events-credential">
          Credential required by POST /events
        </label>
        <div className="row">
          <select
            id="events-credential"
            className="input"
            value={choice}
            aria-invalid={error ? true : undefined}
            onChange={(e) => {
              setChoice(e.target.value);
              setError(null);
            }}
          >
            <option value="">None: accept any caller</option>
            {listed.map((c) => (
              <option key={c.id} value={c.name}>
                {c.name} ({c.kind}){c.status !== 'ok' ? ` — ${c.status}` : ''}
              </option>
            ))}
            {missing && <option value={saved}>{saved} (not in the vault)</option>}
          </select>
          <button type="submit" className="btn btn-primary" disabled={busy || choice === (saved ?? '')}>
            {choice ? 'Require' : 'Clear'}
          </button>
        </div>
        {credentials.isError && (
          <p className="field-hint">The vault could not be read: {toApiError(credentials.error).message}</p>
        )}
        {credentials.isSuccess && listed.length === 0 && (
          <p className="field-hint">
            The vault has no credential yet: add one on the{' '}
            <RouteLink to={{ name: 'credentials' }}>Credentials</RouteLink> page (or with{' '}
            <code>hookline vault add</code>).
          </p>
        )}
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </section>
  );
}
