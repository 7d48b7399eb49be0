import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';

import { builtInComponents } from '../../test/components';
import { ComponentChooser } from './ComponentChooser';

describe('component chooser', () => {
  it('focuses the search box, filters as you type and picks with Enter', () => {
    const onPick = vi.fn();
    render(<ComponentChooser components={builtInComponents} hasTrigger={false} onPick={onPick} onClose={() => {}} />);
    const search = screen.getByPlaceholderText('Search components');
    expect(document.activeElement).toBe(search);
    expect(screen.getAllByRole('option').map((o) => o.querySelector('.chooser-title')!.textContent)).toEqual([
      'Custom event',
      'Manual run',
      'Schedule',
      'Webhook',
    ]);
    fireEvent.change(search, { target: { value: 'webhook' } });
    expect(screen.getAllByRole('option')).toHaveLength(1);
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(onPick).toHaveBeenCalledWith(expect.objectContaining({ id: 'webhook' }));
  });

  it('moves the active option with the arrow keys and wraps around', () => {
    const onPick = vi.fn();
    render(<ComponentChooser components={builtInComponents} hasTrigger onPick={onPick} onClose={() => {}} />);
    const search = screen.getByRole('combobox', { name: 'Search components' });
    const options = screen.getAllByRole('option');
    expect(options[0]!.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(search, { key: 'ArrowDown' });
    expect(screen.getAllByRole('option')[1]!.getAttribute('aria-selected')).toBe('true');
    expect(search.getAttribute('aria-activedescendant')).toBe(screen.getAllByRole('option')[1]!.id);
    fireEvent.keyDown(search, { key: 'ArrowUp' });
    fireEvent.keyDown(search, { key: 'ArrowUp' });
    const last = screen.getAllByRole('option').at(-1)!;
    expect(last.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(onPick).toHaveBeenCalledWith(
      expect.objectContaining({
        id: builtInComponents
          .filter((c) => c.kind === 'action')
          .sort((a, b) => a.title.localeCompare(b.title))
          .at(-1)!.id,
      }),
    );
  });

  it('closes on Escape and says when nothing matches', () => {
    const onClose = vi.fn();
    render(<ComponentChooser components={builtInComponents} hasTrigger onPick={() => {}} onClose={onClose} />);
    const search = screen.getByPlaceholderText('Search components');
    fireEvent.change(search, { target: { value: 'zebra' } });
    expect(screen.queryAllByRole('option')).toHaveLength(0);
    expect(screen.getByText(/No action matches/)).toBeTruthy();
    fireEvent.keyDown(search, { key: 'Escape' });
    expect(onClose).toHaveBeenCalled();
  });
});
