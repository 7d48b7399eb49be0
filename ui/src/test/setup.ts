import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

import { takeUnanswered } from './stubPlatform';

// jsdom lacks a few browser APIs the canvas and dialogs touch.
class ResizeObserverStub {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= ResizeObserverStub as unknown as typeof ResizeObserver;
if (typeof Element !== 'undefined' && !Element.prototype.scrollIntoView) {
  Element.prototype.scrollIntoView = function scrollIntoView() {};
}
if (typeof window !== 'undefined' && !window.matchMedia) {
  window.matchMedia = ((query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener() {},
    removeListener() {},
    addEventListener() {},
    removeEventListener() {},
    dispatchEvent: () => false,
  })) as unknown as typeof window.matchMedia;
}

afterEach(() => {
  cleanup();
  // After cleanup, so calls made while unmounting (a capture cancelled on leaving) count too.
  const missed = takeUnanswered();
  if (missed.length > 0) {
    throw new Error(`the page called core operations this test does not answer: ${[...new Set(missed)].join(', ')}`);
  }
});
