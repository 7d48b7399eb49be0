/**
 * What the hook panel derives from the core's answers: the command that
 * runs a new flow token, and how the routes read to a person. The commands
 * themselves come from the core (`HookInfo.routes`); nothing here builds a
 * request of its own.
 */
import type { HookRoute } from '../bindings/HookRoute';
import type { NewFlowToken } from '../bindings/NewFlowToken';

/** The variable the core's Boomerang Flow command reads the flow's token from. */
export const FLOW_TOKEN_VARIABLE = 'HOOKLINE_FLOW_TOKEN';

/** Single-quotes a word for a POSIX shell, as the core does. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * `curl` with the flow's token written in place of `$HOOKLINE_FLOW_TOKEN`.
 * The core writes the variable outside the single quotes around the JSON
 * text (`'{"token":"'"$HOOKLINE_FLOW_TOKEN"'"}'`); the token goes back
 * inside them, JSON-escaped, so the command pastes into a shell unchanged.
 */
export function withToken(curl: string, token: string): string {
  const inJson = JSON.stringify(token).slice(1, -1);
  const reference = `"$${FLOW_TOKEN_VARIABLE}"`;
  const quoted = inJson.replaceAll("'", `'\\''`);
  return curl.replaceAll(`'${reference}'`, quoted).replaceAll(reference, shellQuote(inJson));
}

/**
 * The ready command a new token's dialog offers: the Boomerang Flow route's
 * command with the token in it, or, when the panel has no such route (an
 * old core), a bare POST of the token to the payload URL.
 */
export function tokenCurl(routes: readonly HookRoute[], made: NewFlowToken): string {
  const route = routes.find((r) => r.kind === 'boomerang');
  if (route) return withToken(route.curl, made.token);
  const body = JSON.stringify({ token: made.token });
  return `curl -i -X 'POST' ${shellQuote(made.payloadUrl)} -H 'Content-Type: application/json' --data ${shellQuote(body)}`;
}

/** How the routes' methods read: `POST`, `GET or POST`, `GET, POST or PUT`. */
export function methodsText(methods: readonly string[]): string {
  if (methods.length <= 1) return methods[0] ?? '';
  return `${methods.slice(0, -1).join(', ')} or ${methods[methods.length - 1]}`;
}
