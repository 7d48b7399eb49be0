/**
 * A JSON value as a tree whose objects and arrays fold open and shut, with
 * long strings wrapped inside the panel. Paths can be marked as added,
 * removed or changed (a replay beside its original); folds that hold a mark
 * start open so every mark is in sight.
 */
import { childPath, type DiffKind } from '../lib/jsonDiff';

export type Marks = ReadonlyMap<string, DiffKind>;

const NO_MARKS: Marks = new Map();

type Json = { [key: string]: unknown };

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function entriesOf(value: unknown): [string | number, unknown][] | null {
  if (Array.isArray(value)) return value.map((item, i) => [i, item]);
  if (isObject(value)) return Object.entries(value).filter(([, item]) => item !== undefined);
  return null;
}

/** Whether a mark lies below `path` (its folds should start open). */
function marksBelow(marks: Marks, path: string): boolean {
  for (const marked of marks.keys()) {
    if (path === '' ? marked !== '' : marked.startsWith(`${path}.`) || marked.startsWith(`${path}[`)) return true;
  }
  return false;
}

function Leaf({ value }: { value: unknown }) {
  if (typeof value === 'string') return <span className="json-string">{JSON.stringify(value)}</span>;
  if (typeof value === 'number') return <span className="json-number">{String(value)}</span>;
  if (typeof value === 'boolean') return <span className="json-boolean">{String(value)}</span>;
  if (Array.isArray(value)) return <span className="json-brace">[]</span>;
  if (isObject(value)) return <span className="json-brace">{'{}'}</span>;
  return <span className="json-null">null</span>;
}

function MarkTag({ kind }: { kind: DiffKind | undefined }) {
  if (!kind) return null;
  return <span className={`diff-tag diff-tag-${kind}`}>{kind}</span>;
}

function Node({
  name,
  value,
  path,
  depth,
  openDepth,
  marks,
}: {
  name: string | number | null;
  value: unknown;
  path: string;
  depth: number;
  openDepth: number;
  marks: Marks;
}) {
  const kind = marks.get(path);
  const markClass = kind ? ` diff-${kind}` : '';
  const key =
    name === null ? null : (
      <>
        <span className="json-key">{typeof name === 'number' ? name : JSON.stringify(name)}</span>
        <span className="json-colon">: </span>
      </>
    );
  const entries = entriesOf(value);
  if (!entries || entries.length === 0) {
    return (
      <div className={`json-leaf${markClass}`} data-path={path}>
        {key}
        <Leaf value={value} />
        <MarkTag kind={kind} />
      </div>
    );
  }
  const array = Array.isArray(value);
  return (
    <details className={`json-node${markClass}`} data-path={path} open={depth < openDepth || marksBelow(marks, path)}>
      <summary>
        {key}
        <span className="json-brace">
          {array ? `[${entries.length}]` : `{${entries.length} field${entries.length === 1 ? '' : 's'}}`}
        </span>
        <MarkTag kind={kind} />
      </summary>
      <ul className="json-children">
        {entries.map(([child, item]) => (
          <li key={child}>
            <Node
              name={child}
              value={item}
              path={childPath(path, child)}
              depth={depth + 1}
              openDepth={openDepth}
              marks={marks}
            />
          </li>
        ))}
      </ul>
    </details>
  );
}

/** `value` as a tree; the first `openDepth` levels start open. */
export function JsonTree({
  value,
  label,
  marks = NO_MARKS,
  openDepth = 2,
  testId,
}: {
  value: unknown;
  label: string;
  marks?: Marks;
  openDepth?: number;
  testId?: string;
}) {
  return (
    <div className="json-tree" role="group" aria-label={label} data-testid={testId}>
      <Node name={null} value={value} path="" depth={0} openDepth={openDepth} marks={marks} />
    </div>
  );
}
