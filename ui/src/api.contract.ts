/**
 * Proof that the client is checked against the generated contract: every
 * statement below disagrees with `bindings/Operations.ts`, and each
 * `@ts-expect-error` fails the build if its line ever typechecks. Nothing
 * here runs or ships (no module imports this file).
 */
import { createCall } from './api';
import type { Sample } from './bindings/Sample';
import type { Platform } from './platform/types';

declare const platform: Platform;
const call = createCall(platform);

// @ts-expect-error the core answers setCurrentSample with one sample, not a list
export const listed: () => Promise<Sample[]> = () => call('setCurrentSample', { flow: 'f', step: 's', sample: 'x' });

// @ts-expect-error removeSample can answer null (no sample left)
export const always: () => Promise<Sample> = () => call('removeSample', { flow: 'f', step: 's', sample: 'x' });

// @ts-expect-error arguments are checked: getFlow takes `flow`
export const misspelt = () => call('getFlow', { flw: 'f' });

// @ts-expect-error an operation the core does not have
export const unknown = () => call('dropTables');

// @ts-expect-error an operation with arguments cannot be called without them
export const bare = () => call('getFlow');
