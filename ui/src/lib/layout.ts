/**
 * Left-to-right layered layout for flow graphs: each step sits one column
 * right of its deepest predecessor, columns are ordered to reduce crossings
 * (barycenter sweeps) and centred on one another. Flows are small, so the
 * simple algorithm is fast enough and keeps the bundle free of a graph
 * library.
 */

export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 72;
export const COLUMN_GAP = 90;
export const ROW_GAP = 40;

export interface LayoutEdge {
  source: string;
  target: string;
}

export interface Point {
  x: number;
  y: number;
}

/** Positions (top-left corners) for every id in `ids`. */
export function layeredLayout(ids: string[], edges: LayoutEdge[]): Record<string, Point> {
  const known = new Set(ids);
  const outgoing = new Map<string, string[]>(ids.map((id) => [id, []]));
  const incoming = new Map<string, string[]>(ids.map((id) => [id, []]));
  const seenEdges = new Set<string>();
  for (const edge of edges) {
    if (!known.has(edge.source) || !known.has(edge.target) || edge.source === edge.target) continue;
    const key = `${edge.source}\u0000${edge.target}`;
    if (seenEdges.has(key)) continue;
    seenEdges.add(key);
    outgoing.get(edge.source)!.push(edge.target);
    incoming.get(edge.target)!.push(edge.source);
  }

  // Drop back edges (a cycle in a draft) found by depth-first search, so the
  // layering below terminates.
  const state = new Map<string, 0 | 1 | 2>();
  const back = new Set<string>();
  const visit = (id: string) => {
    state.set(id, 1);
    for (const next of outgoing.get(id)!) {
      const s = state.get(next) ?? 0;
      if (s === 1) back.add(`${id}\u0000${next}`);
      else if (s === 0) visit(next);
    }
    state.set(id, 2);
  };
  const roots = ids.filter((id) => incoming.get(id)!.length === 0);
  for (const id of [...roots, ...ids]) if ((state.get(id) ?? 0) === 0) visit(id);
  const isForward = (from: string, to: string) => !back.has(`${from}\u0000${to}`);

  // Longest-path layering in topological order.
  const layer = new Map<string, number>();
  const remaining = new Map<string, number>(
    ids.map((id) => [id, incoming.get(id)!.filter((from) => isForward(from, id)).length]),
  );
  const queue = ids.filter((id) => remaining.get(id) === 0);
  for (const id of queue) layer.set(id, 0);
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const next of outgoing.get(id)!) {
      if (!isForward(id, next)) continue;
      layer.set(next, Math.max(layer.get(next) ?? 0, layer.get(id)! + 1));
      const left = remaining.get(next)! - 1;
      remaining.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  for (const id of ids) if (!layer.has(id)) layer.set(id, 0);

  const columnCount = Math.max(0, ...[...layer.values()]) + 1;
  const columns: string[][] = Array.from({ length: columnCount }, () => []);
  for (const id of ids) columns[layer.get(id)!]!.push(id);

  // Barycenter ordering, a few sweeps forth and back.
  const rank = new Map<string, number>();
  const renumber = (column: string[]) => column.forEach((id, i) => rank.set(id, i));
  columns.forEach(renumber);
  const order = (column: string[], neighbours: (id: string) => string[]) => {
    const weight = new Map<string, number>();
    for (const id of column) {
      const ranks = neighbours(id)
        .map((n) => rank.get(n)!)
        .filter((r) => r !== undefined);
      weight.set(id, ranks.length ? ranks.reduce((a, b) => a + b, 0) / ranks.length : rank.get(id)!);
    }
    column.sort((a, b) => weight.get(a)! - weight.get(b)! || rank.get(a)! - rank.get(b)!);
    renumber(column);
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let c = 1; c < columnCount; c++) order(columns[c]!, (id) => incoming.get(id)!);
    for (let c = columnCount - 2; c >= 0; c--) order(columns[c]!, (id) => outgoing.get(id)!);
  }

  const tallest = Math.max(0, ...columns.map((column) => column.length));
  const fullHeight = tallest * NODE_HEIGHT + Math.max(0, tallest - 1) * ROW_GAP;
  const positions: Record<string, Point> = {};
  columns.forEach((column, c) => {
    const height = column.length * NODE_HEIGHT + Math.max(0, column.length - 1) * ROW_GAP;
    const top = (fullHeight - height) / 2;
    column.forEach((id, i) => {
      positions[id] = { x: c * (NODE_WIDTH + COLUMN_GAP), y: Math.round(top + i * (NODE_HEIGHT + ROW_GAP)) };
    });
  });
  return positions;
}

/** Whether two node boxes at `a` and `b` overlap. */
export function overlaps(a: Point, b: Point, width = NODE_WIDTH, height = NODE_HEIGHT): boolean {
  return a.x < b.x + width && b.x < a.x + width && a.y < b.y + height && b.y < a.y + height;
}

/**
 * A free spot for a new node: right of `anchor` when given, stepping down
 * until nothing overlaps.
 */
export function freeSpot(taken: Point[], anchor: Point | null): Point {
  let spot: Point;
  if (anchor) spot = { x: anchor.x + NODE_WIDTH + COLUMN_GAP, y: anchor.y };
  else if (taken.length === 0) spot = { x: 0, y: 0 };
  else spot = { x: Math.min(...taken.map((p) => p.x)), y: Math.max(...taken.map((p) => p.y)) + NODE_HEIGHT + ROW_GAP };
  while (taken.some((p) => overlaps(p, spot, NODE_WIDTH, NODE_HEIGHT + ROW_GAP / 2))) {
    spot = { x: spot.x, y: spot.y + NODE_HEIGHT + ROW_GAP };
  }
  return spot;
}
