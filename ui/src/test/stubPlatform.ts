/**
 * A host for unit tests that knows nothing: each test names the core
 * operations it expects and what the core answers to them. Behaviour that
 * needs the core itself (previews, expression checks, samples) is tested
 * against the real `hookline serve --ui`; a fixture here only states what
 * that core answered, so no second core grows in TypeScript.
 */
import type { Api } from '../api';
import type { CoreEvent, Platform } from '../platform/types';

type Operations = Omit<Api, 'platform'>;

/** The name of a core operation, as `Platform.call` takes it. */
export type Operation = keyof Operations;

/** The arguments `api.ts` sent with one call. */
export type CallArgs = Record<string, unknown>;

/** The core's answer to one operation; throw (or reject) to answer an `ApiError`. */
export type Answer<Op extends Operation> = (args: CallArgs) => Reply<Op> | Promise<Reply<Op>>;
type Reply<Op extends Operation> = Awaited<ReturnType<Operations[Op]>>;

export type Answers = { [Op in Operation]?: Answer<Op> };

export interface StubPlatform extends Platform {
  /** Every call, answered or not, in the order the UI made them. */
  calls: { op: string; args: CallArgs }[];
  /** Delivers a core event to the subscribers, as the core does after a change. */
  emit(event: CoreEvent): void;
  copied: string[];
  opened: string[];
  saved: { fileName: string; text: string }[];
}

// Calls no answer covered since the last check. A rejected query only shows as
// an error state in the page, so `setup.ts` fails the test instead.
let unanswered: string[] = [];

/** The operations the UI called without an answer, and forgets them. */
export function takeUnanswered(): string[] {
  const missed = unanswered;
  unanswered = [];
  return missed;
}

export function stubPlatform(answers: Answers = {}): StubPlatform {
  const listeners = new Set<(event: CoreEvent) => void>();
  const handlers = answers as Record<string, ((args: CallArgs) => unknown) | undefined>;
  const platform: StubPlatform = {
    // The page never branches on its host; the browser is the plainer of the two.
    kind: 'browser',
    calls: [],
    copied: [],
    opened: [],
    saved: [],
    async call<T>(op: string, args: CallArgs = {}): Promise<T> {
      platform.calls.push({ op, args });
      const answer = handlers[op];
      if (!answer) {
        unanswered.push(op);
        throw new Error(
          `the test gives no answer for the core operation "${op}" (called with ${JSON.stringify(args)})`,
        );
      }
      // A copy, as over the wire: the page must not share objects with the fixture.
      return structuredClone(await answer(args)) as T;
    },
    subscribe(onEvent) {
      listeners.add(onEvent);
      return () => listeners.delete(onEvent);
    },
    emit(event) {
      listeners.forEach((listener) => listener(event));
    },
    async openUrl(url) {
      platform.opened.push(url);
    },
    async saveTextFile(fileName, text) {
      platform.saved.push({ fileName, text });
      return null;
    },
    async copyText(text) {
      platform.copied.push(text);
    },
  };
  return platform;
}
