/**
 * A replay beside its original (M7.3): the trigger input and each step's
 * output side by side, with what was added, removed or changed marked on
 * both sides and listed below them.
 */
import type { Execution } from '../../api';
import type { StepRun } from '../../bindings/StepRun';
import { StepStatusBadge } from '../../components/Badges';
import { JsonTree, type Marks } from '../../components/JsonTree';
import { RouteLink } from '../../components/RouteLink';
import { describePath, diffJson, type DiffKind, type JsonDifference } from '../../lib/jsonDiff';
import { useExecution } from '../../lib/queries';

interface Side {
  value: unknown;
  /** What the side holds when there is no value to show: a step that did not run, or failed. */
  note: string | null;
  run: StepRun | null;
}

interface Row {
  id: string;
  label: string;
  before: Side;
  after: Side;
}

function stepSide(run: StepRun | undefined): Side {
  if (!run) return { value: undefined, note: 'Not in this execution', run: null };
  return { value: run.output ?? undefined, note: run.error, run };
}

/** The trigger input, then every step of either execution, in the replay's order then the original's leftovers. */
function rowsOf(original: Execution, replay: Execution): Row[] {
  const rows: Row[] = [
    {
      id: 'input',
      label: 'Trigger input',
      before: { value: original.input, note: null, run: null },
      after: { value: replay.input, note: null, run: null },
    },
  ];
  const ids = [...replay.steps.map((s) => s.stepId)];
  for (const s of original.steps) if (!ids.includes(s.stepId)) ids.push(s.stepId);
  for (const id of ids) {
    const before = original.steps.find((s) => s.stepId === id);
    const after = replay.steps.find((s) => s.stepId === id);
    rows.push({ id, label: (after ?? before)!.name, before: stepSide(before), after: stepSide(after) });
  }
  return rows;
}

function marksOf(differences: JsonDifference[], keep: DiffKind[]): Marks {
  return new Map(differences.filter((d) => keep.includes(d.kind)).map((d) => [d.path, d.kind]));
}

const SIGN: Record<DiffKind, string> = { added: '+', removed: '−', changed: '~' };

function SideView({ title, side, marks, testId }: { title: string; side: Side; marks: Marks; testId: string }) {
  return (
    <div className="compare-side" data-testid={testId}>
      <h4>
        {title} {side.run && <StepStatusBadge status={side.run.status} />}
      </h4>
      {side.value !== undefined ? (
        <JsonTree value={side.value} label={`${title} output`} marks={marks} />
      ) : (
        !side.note && <p className="muted small">No output</p>
      )}
      {side.note && <p className={side.run?.error ? 'field-error small' : 'muted small'}>{side.note}</p>}
    </div>
  );
}

function CompareRow({ row }: { row: Row }) {
  const differences = diffJson(row.before.value, row.after.value);
  return (
    <li className="compare-row" data-testid="compare-row" data-row={row.id} data-differences={differences.length}>
      <h3 className="compare-title">
        {row.label}{' '}
        <span className={`badge ${differences.length > 0 ? 'badge-warning' : 'badge-neutral'}`}>
          {differences.length === 0 ? 'same' : `${differences.length} difference${differences.length === 1 ? '' : 's'}`}
        </span>
      </h3>
      <div className="compare-columns">
        <SideView
          title="Original"
          side={row.before}
          marks={marksOf(differences, ['removed', 'changed'])}
          testId="compare-original"
        />
        <SideView
          title="Replay"
          side={row.after}
          marks={marksOf(differences, ['added', 'changed'])}
          testId="compare-replay"
        />
      </div>
      {differences.length > 0 && (
        <ul className="diff-list" aria-label={`Differences in ${row.label}`}>
          {differences.map((d) => (
            <li key={`${d.kind}:${d.path}`} className={`diff-${d.kind}`} data-testid="difference" data-kind={d.kind}>
              <span className="diff-sign" aria-hidden="true">
                {SIGN[d.kind]}
              </span>{' '}
              <code>{describePath(d.path)}</code> {d.kind}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

/** The replay `replay` beside the execution it replays. */
export function ReplayCompare({ replay, originalId }: { replay: Execution; originalId: string }) {
  const original = useExecution(originalId);
  return (
    <section className="card execution-section" aria-labelledby="compare-title" data-testid="replay-compare">
      <h2 id="compare-title">Beside the original</h2>
      <p className="muted small">
        This execution replays{' '}
        <RouteLink to={{ name: 'execution', executionId: originalId }}>
          <code>{originalId}</code>
        </RouteLink>
        . Each output is shown beside the original&apos;s; what was added, removed or changed is marked.
      </p>
      {original.isPending ? (
        <p className="muted small">Loading the original…</p>
      ) : original.isError ? (
        <p className="field-error">The original execution could not be read; it may have been pruned.</p>
      ) : (
        <ol className="compare-rows">
          {rowsOf(original.data, replay).map((row) => (
            <CompareRow key={row.id} row={row} />
          ))}
        </ol>
      )}
    </section>
  );
}
