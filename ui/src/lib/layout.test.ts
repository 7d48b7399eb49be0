import { describe, expect, it } from 'vitest';

import { NODE_WIDTH, freeSpot, layeredLayout, overlaps } from './layout';

function assertNoOverlap(positions: Record<string, { x: number; y: number }>) {
  const entries = Object.entries(positions);
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      expect(overlaps(entries[i]![1], entries[j]![1]), `${entries[i]![0]} overlaps ${entries[j]![0]}`).toBe(false);
    }
  }
}

describe('auto-layout', () => {
  it('places a chain left to right in columns', () => {
    const p = layeredLayout(
      ['a', 'b', 'c'],
      [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'c' },
      ],
    );
    expect(p.a!.x).toBeLessThan(p.b!.x);
    expect(p.b!.x).toBeLessThan(p.c!.x);
    expect(p.a!.y).toBe(p.c!.y);
  });

  it('puts a step one column after its deepest predecessor', () => {
    const p = layeredLayout(
      ['t', 'x', 'y', 'join'],
      [
        { source: 't', target: 'x' },
        { source: 'x', target: 'y' },
        { source: 't', target: 'join' },
        { source: 'y', target: 'join' },
      ],
    );
    expect(p.join!.x).toBeGreaterThan(p.y!.x);
  });

  it('never overlaps nodes, for branches, fan-outs, unconnected steps and cycles', () => {
    const ids = Array.from({ length: 14 }, (_, i) => `n${i}`);
    const edges = [
      { source: 'n0', target: 'n1' },
      { source: 'n1', target: 'n2' },
      { source: 'n1', target: 'n3' },
      { source: 'n0', target: 'n4' },
      { source: 'n0', target: 'n5' },
      { source: 'n0', target: 'n6' },
      { source: 'n3', target: 'n7' },
      { source: 'n7', target: 'n3' },
      { source: 'n6', target: 'n8' },
      { source: 'n5', target: 'n8' },
    ];
    const p = layeredLayout(ids, edges);
    expect(Object.keys(p).sort()).toEqual([...ids].sort());
    assertNoOverlap(p);
  });

  it('finds a free spot right of an anchor without covering other nodes', () => {
    const taken = [
      { x: 0, y: 0 },
      { x: NODE_WIDTH + 90, y: 0 },
    ];
    const spot = freeSpot(taken, taken[0]!);
    expect(spot.x).toBe(NODE_WIDTH + 90);
    expect(taken.some((t) => overlaps(t, spot))).toBe(false);
  });
});
