/**
 * A small structural diff of two JSON values, for showing a replay's step
 * outputs beside the original's (M7.3): which paths were added, removed or
 * changed. Objects are compared key by key and arrays index by index; a value
 * whose type changed is one change at its path, not a change of each field
 * below it.
 */

export type DiffKind = 'added' | 'removed' | 'changed';

export interface JsonDifference {
  /** Where, as a JSONata path (`body.items[0].name`); empty for the whole value. */
  path: string;
  kind: DiffKind;
  before?: unknown;
  after?: unknown;
}

type Json = { [key: string]: unknown };

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A key as JSONata writes it: plain when it is a name, in backquotes otherwise. */
function keyPath(parent: string, key: string): string {
  const name = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `\`${key}\``;
  return parent ? `${parent}.${name}` : name;
}

const indexPath = (parent: string, index: number) => `${parent}[${index}]`;

/** The keys an object really has: a field set to `undefined` is not there in JSON. */
const keysOf = (value: Json) => Object.keys(value).filter((key) => value[key] !== undefined);

export function sameJson(a: unknown, b: unknown): boolean {
  return diffJson(a, b).length === 0;
}

/** Every difference between `before` and `after`, in document order. */
export function diffJson(before: unknown, after: unknown, path = ''): JsonDifference[] {
  // `undefined` is no value at all: a step that produced nothing, a field that is not there.
  if (before === undefined && after === undefined) return [];
  if (before === undefined) return [{ path, kind: 'added', after }];
  if (after === undefined) return [{ path, kind: 'removed', before }];
  if (isObject(before) && isObject(after)) {
    const out: JsonDifference[] = [];
    const afterKeys = keysOf(after);
    for (const key of keysOf(before)) {
      const at = keyPath(path, key);
      if (after[key] === undefined) out.push({ path: at, kind: 'removed', before: before[key] });
      else out.push(...diffJson(before[key], after[key], at));
    }
    for (const key of afterKeys) {
      if (before[key] === undefined) out.push({ path: keyPath(path, key), kind: 'added', after: after[key] });
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: JsonDifference[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const at = indexPath(path, i);
      if (i >= after.length) out.push({ path: at, kind: 'removed', before: before[i] });
      else if (i >= before.length) out.push({ path: at, kind: 'added', after: after[i] });
      else out.push(...diffJson(before[i], after[i], at));
    }
    return out;
  }
  if (before === after) return [];
  return [{ path, kind: 'changed', before, after }];
}

/** The path of a field of `parent`, as {@link diffJson} writes it. */
export function childPath(parent: string, key: string | number): string {
  return typeof key === 'number' ? indexPath(parent, key) : keyPath(parent, key);
}

/** How a path reads to a person: the whole value has no path. */
export function describePath(path: string): string {
  return path === '' ? 'the whole value' : path;
}
