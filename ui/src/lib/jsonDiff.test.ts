import { describe, expect, it } from 'vitest';

import { describePath, diffJson, sameJson } from './jsonDiff';

describe('diffJson', () => {
  it('names every added, removed and changed path, nested and in arrays', () => {
    const before = { status: 200, body: { id: 7, tags: ['a', 'b'], owner: 'ada' } };
    const after = { status: 201, body: { id: 7, tags: ['a'], name: 'Gromit' } };
    expect(diffJson(before, after)).toEqual([
      { path: 'status', kind: 'changed', before: 200, after: 201 },
      { path: 'body.tags[1]', kind: 'removed', before: 'b' },
      { path: 'body.owner', kind: 'removed', before: 'ada' },
      { path: 'body.name', kind: 'added', after: 'Gromit' },
    ]);
  });

  it('writes a key that is not a name in backquotes, as JSONata does', () => {
    const paths = diffJson({ headers: { 'content-type': 'a' } }, { headers: { 'content-type': 'b' } }).map(
      (d) => d.path,
    );
    expect(paths).toEqual(['headers.`content-type`']);
  });

  it('counts a value whose type changed once, at its own path', () => {
    expect(diffJson({ body: { a: 1, b: 2 } }, { body: [1, 2] }), 'not one change per field below').toEqual([
      { path: 'body', kind: 'changed', before: { a: 1, b: 2 }, after: [1, 2] },
    ]);
  });

  it('sees an output that appeared, as a failed step followed by a replay that succeeded has', () => {
    expect(diffJson(undefined, { count: 2 })).toEqual([{ path: '', kind: 'added', after: { count: 2 } }]);
    expect(describePath(''), 'the whole value has no path to show').toBe('the whole value');
  });

  it('finds nothing between equal values, key order aside', () => {
    expect(sameJson({ a: [1, { b: null }], c: 'x' }, { c: 'x', a: [1, { b: null }] })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: undefined }), 'a field set to undefined is not in JSON').toBe(true);
    expect(sameJson([1, 2], [2, 1]), 'arrays compare by position').toBe(false);
  });
});
