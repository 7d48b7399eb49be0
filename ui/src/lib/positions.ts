/**
 * Node positions per flow, kept in localStorage: the flow document has no
 * layout, so what the user arranged survives reopening the flow on this
 * machine. A step without a stored position triggers a fresh auto-layout.
 */
import type { Point } from './layout';

const key = (flowId: string) => `hookline.positions.${flowId}`;

export function loadPositions(flowId: string): Record<string, Point> | undefined {
  try {
    const raw = localStorage.getItem(key(flowId));
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Record<string, Point>;
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function savePositions(flowId: string, positions: Record<string, Point>): void {
  try {
    localStorage.setItem(key(flowId), JSON.stringify(positions));
  } catch {
    // storage full or refused: positions are a convenience
  }
}
