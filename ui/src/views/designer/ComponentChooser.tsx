import { useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';

import type { ComponentDescriptor } from '../../bindings/ComponentDescriptor';
import { Dialog } from '../../components/Dialog';
import { filterComponents } from '../../lib/chooser';
import { ComponentIcon } from '../../lib/icons';
import { Search } from '../../lib/uiIcons';

export interface ComponentChooserProps {
  components: ComponentDescriptor[];
  hasTrigger: boolean;
  /** Name of the step the new one follows, for the title. */
  afterName?: string | null;
  onPick: (component: ComponentDescriptor) => void;
  onClose: () => void;
}

/** Searchable list of components: arrows move, Enter picks, Escape closes. */
export function ComponentChooser({ components, hasTrigger, afterName, onPick, onClose }: ComponentChooserProps) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const search = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const listId = useId();
  const results = useMemo(() => filterComponents(components, query, hasTrigger), [components, query, hasTrigger]);
  const current = Math.min(active, Math.max(0, results.length - 1));

  const move = (to: number) => {
    const next = (to + results.length) % Math.max(1, results.length);
    setActive(next);
    list.current?.querySelectorAll('[role="option"]')[next]?.scrollIntoView({ block: 'nearest' });
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      move(current + 1);
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      move(current - 1);
    } else if (event.key === 'Home') {
      event.preventDefault();
      move(0);
    } else if (event.key === 'End') {
      event.preventDefault();
      move(results.length - 1);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const chosen = results[current];
      if (chosen) onPick(chosen);
    }
  };

  const title = hasTrigger ? (afterName ? `Add a step after ${afterName}` : 'Add a step') : 'Choose a trigger';
  const optionId = (i: number) => `${listId}-option-${i}`;

  return (
    <Dialog title={title} onClose={onClose} initialFocus={search} className="chooser" testId="component-chooser">
      <div className="chooser-search">
        <Search size={16} aria-hidden="true" />
        <input
          ref={search}
          type="search"
          className="input"
          placeholder="Search components"
          aria-label="Search components"
          role="combobox"
          aria-expanded="true"
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={results.length > 0 ? optionId(current) : undefined}
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
      </div>
      <p className="muted small chooser-hint">
        {hasTrigger
          ? 'Actions run after the trigger, in the order of the edges.'
          : 'Every flow starts with one trigger.'}
      </p>
      <ul
        ref={list}
        id={listId}
        role="listbox"
        aria-label={hasTrigger ? 'Actions' : 'Triggers'}
        className="chooser-list"
      >
        {results.map((component, i) => (
          <li
            key={component.id}
            id={optionId(i)}
            role="option"
            aria-selected={i === current}
            className={`chooser-item${i === current ? ' active' : ''}`}
            data-testid={`component-${component.id}`}
            onMouseMove={() => i !== current && setActive(i)}
            onClick={() => onPick(component)}
          >
            <span className="chooser-icon">
              <ComponentIcon name={component.icon} size={18} />
            </span>
            <span className="chooser-text">
              <span className="chooser-title">{component.title}</span>
              <span className="chooser-description">{component.description}</span>
            </span>
          </li>
        ))}
        {results.length === 0 && (
          <li className="chooser-empty" role="presentation">
            No {hasTrigger ? 'action' : 'trigger'} matches “{query}”.
          </li>
        )}
      </ul>
    </Dialog>
  );
}
