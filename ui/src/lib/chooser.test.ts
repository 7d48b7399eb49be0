import { describe, expect, it } from 'vitest';

import { fakeComponents } from '../platform/fakeCatalog';
import { filterComponents } from './chooser';

const titles = (list: { title: string }[]) => list.map((c) => c.title);

describe('component chooser filter', () => {
  it('offers only triggers while the flow has no trigger', () => {
    const result = filterComponents(fakeComponents, '', false);
    expect(result.length).toBeGreaterThan(0);
    expect(result.every((c) => c.kind === 'trigger')).toBe(true);
    expect(titles(result)).toEqual(['Manual run', 'Webhook']);
  });

  it('offers only actions once the flow has a trigger', () => {
    const result = filterComponents(fakeComponents, '', true);
    expect(result.every((c) => c.kind === 'action')).toBe(true);
    expect(titles(result)).toContain('HTTP Request');
    expect(titles(result)).not.toContain('Webhook');
  });

  it('finds a trigger by title, case-insensitively', () => {
    expect(titles(filterComponents(fakeComponents, 'WEBHOOK', false))).toEqual(['Webhook']);
  });

  it('searches descriptions, ranking title matches first', () => {
    expect(titles(filterComponents(fakeComponents, 'JSONata', true))).toEqual(['Transform']);
    const reply = titles(filterComponents(fakeComponents, 'reply', true));
    expect(reply[0]).toBe('Respond');
    expect(titles(filterComponents(fakeComponents, 'branch', true))).toEqual(['Condition']);
  });

  it('requires every word to match and can match nothing', () => {
    expect(titles(filterComponents(fakeComponents, 'http api', true))).toEqual(['HTTP Request']);
    expect(filterComponents(fakeComponents, 'http zebra', true)).toEqual([]);
  });
});
