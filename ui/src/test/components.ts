/**
 * The built-in components exactly as the core's `components` operation
 * describes them: `bindings/components.json` is written by `cargo test` from
 * the engine's catalog, so tests use the core's own descriptors and change
 * when they do.
 */
import type { ComponentDescriptor } from '../bindings/ComponentDescriptor';
import catalog from '../bindings/components.json';

/** The answer to `components`, in the core's order. */
export const builtInComponents = catalog as unknown as ComponentDescriptor[];

function component(id: string): ComponentDescriptor {
  const found = builtInComponents.find((c) => c.id === id);
  if (!found) throw new Error(`the core's catalog has no component ${id}`);
  return found;
}

export const manual = component('manual');
export const webhook = component('webhook');
export const condition = component('condition');
export const delay = component('delay');
export const httpRequest = component('http_request');
export const respond = component('respond');
export const transform = component('transform');
