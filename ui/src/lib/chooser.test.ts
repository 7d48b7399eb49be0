import { describe, expect, it } from 'vitest';

import { builtInComponents } from '../test/components';
import { filterComponents } from './chooser';

const titles = (list: { title: string }[]) => list.map((c) => c.title);

describe('component chooser filter', () => {
  it('offers only triggers while the flow has no trigger', () => {
    const result = filterComponents(builtInComponents, '', false);
    expect(result.length).toBeGreaterThan(0);
    expect(result.every((c) => c.kind === 'trigger')).toBe(true);
    expect(titles(result)).toEqual(['Custom event', 'Manual run', 'Schedule', 'Webhook']);
  });

  it('offers only actions once the flow has a trigger', () => {
    const result = filterComponents(builtInComponents, '', true);
    expect(result.every((c) => c.kind === 'action')).toBe(true);
    expect(titles(result)).toContain('HTTP Request');
    expect(titles(result)).not.toContain('Webhook');
  });

  it('finds a trigger by title, case-insensitively', () => {
    expect(titles(filterComponents(builtInComponents, 'WEBHOOK', false))).toEqual(['Webhook']);
  });

  it('searches descriptions, ranking title matches first', () => {
    expect(titles(filterComponents(builtInComponents, 'JSONata', true))).toEqual(['Transform']);
    const reply = titles(filterComponents(builtInComponents, 'reply', true));
    expect(reply[0]).toBe('Respond');
    expect(titles(filterComponents(builtInComponents, 'branch', true))).toEqual(['Condition']);
  });

  it('requires every word to match and can match nothing', () => {
    expect(titles(filterComponents(builtInComponents, 'http api', true))).toEqual(['HTTP Request']);
    expect(filterComponents(builtInComponents, 'http zebra', true)).toEqual([]);
  });
});
