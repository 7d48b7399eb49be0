import type { MouseEvent, ReactNode } from 'react';

import { routeHash, useRouter, type Route } from '../lib/router';

/**
 * A link to a page of the app: a real `href` (so it can be copied or opened
 * in a new tab of the browser), followed through the router on a plain click
 * so an unsaved draft can hold the navigation.
 */
export function RouteLink({
  to,
  children,
  className,
  title,
  testId,
  ariaLabel,
}: {
  to: Route;
  children: ReactNode;
  className?: string;
  title?: string;
  testId?: string;
  ariaLabel?: string;
}) {
  const navigate = useRouter((s) => s.navigate);
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    // A modified click opens a new tab or window: the browser's business.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    void navigate(to);
  };
  return (
    <a
      href={routeHash(to)}
      className={className}
      title={title}
      data-testid={testId}
      aria-label={ariaLabel}
      onClick={onClick}
    >
      {children}
    </a>
  );
}
