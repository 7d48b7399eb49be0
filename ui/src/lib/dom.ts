/** A value quoted for a CSS attribute selector: `[data-field="${attr(v)}"]`. */
export function attr(value: string): string {
  return value.replace(/["\\]/g, '\\$&').replace(/\n/g, '\\a ');
}

/** The element whose `data-field` is `field` inside `root`. */
export function findField(root: ParentNode, field: string): HTMLElement | null {
  return root.querySelector<HTMLElement>(`[data-field="${attr(field)}"]`);
}
