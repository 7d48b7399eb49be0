import type { ComponentDescriptor } from '../bindings/ComponentDescriptor';

/**
 * The chooser's entries: triggers while the flow has none (the first node),
 * actions after that, matching every word of the query in the title,
 * description or id. Title matches rank before description-only matches.
 */
export function filterComponents(
  all: ComponentDescriptor[],
  query: string,
  hasTrigger: boolean,
): ComponentDescriptor[] {
  const kind = hasTrigger ? 'action' : 'trigger';
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const scored: { component: ComponentDescriptor; score: number; index: number }[] = [];
  all.forEach((component, index) => {
    if (component.kind !== kind) return;
    const title = component.title.toLowerCase();
    const text = `${title} ${component.description.toLowerCase()} ${component.id.toLowerCase()}`;
    if (!words.every((w) => text.includes(w))) return;
    let score = 0;
    if (words.length > 0) {
      if (words.every((w) => title.includes(w))) score -= 2;
      if (title.startsWith(words[0]!)) score -= 1;
    }
    scored.push({ component, score, index });
  });
  scored.sort((a, b) => a.score - b.score || a.component.title.localeCompare(b.component.title) || a.index - b.index);
  return scored.map((s) => s.component);
}
